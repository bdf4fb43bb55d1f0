import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { HopFrame } from '../audio/caller-input.js';
import { HeldLineEvents, type HeldEventHandlers } from './held-line-events.js';
import type { CallerAudio, CallTransportEvents } from './transport.js';

function stream(): CallerAudio & { cancelled: () => boolean } {
  let cancelled = false;
  const hops = new ReadableStream<HopFrame>({
    cancel: () => {
      cancelled = true;
    },
  });
  return { source: {}, hops, cancelled: () => cancelled };
}

function recorder(): { seen: string[]; handlers: HeldEventHandlers } {
  const seen: string[] = [];
  return {
    seen,
    handlers: {
      input: (a) => seen.push(`input ${(a as ReturnType<typeof stream>).cancelled() ? 'cancelled' : 'open'}`),
      'input-ended': () => seen.push('input-ended'),
      dtmf: (d) => seen.push(`dtmf ${d}`),
    },
  };
}

describe('HeldLineEvents', () => {
  it('holds what the line says before the call is up and hands it on in order, then passes events straight through', () => {
    const line = new EventEmitter<CallTransportEvents>();
    const held = new HeldLineEvents(line);
    line.emit('input', stream());
    line.emit('dtmf', '1');
    line.emit('input-ended', {});
    line.emit('input', stream());
    const { seen, handlers } = recorder();
    expect(seen).toEqual([]);
    held.release(handlers);
    expect(seen).toEqual(['input open', 'dtmf 1', 'input-ended', 'input open']);
    line.emit('dtmf', '#');
    expect(seen.at(-1)).toBe('dtmf #');
    expect(() => held.release(handlers)).toThrow(/already released/);
  });

  it('does not hold hung-up: ending the call needs no stage', () => {
    const line = new EventEmitter<CallTransportEvents>();
    new HeldLineEvents(line);
    expect(line.listenerCount('hung-up')).toBe(0);
  });

  it('cancels the streams it still holds when the call ends before its stages were up, and any that come later', async () => {
    const line = new EventEmitter<CallTransportEvents>();
    const held = new HeldLineEvents(line);
    const early = stream();
    line.emit('input', early);
    await held.close();
    expect(early.cancelled()).toBe(true);
    const late = stream();
    line.emit('input', late);
    await new Promise((r) => setImmediate(r));
    expect(late.cancelled()).toBe(true);
  });
});
