import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';
import { playThenHangUp, sayThenHangUp } from './farewell.js';

class Subject extends EventEmitter<{ 'agent-speaking': [boolean] }> {
  asked: ResponseRequest[] = [];
  constructor(private readonly outcome: ResponseOutcome) {
    super();
  }
  async say(req: ResponseRequest): Promise<ResponseOutcome> {
    this.asked.push(req);
    return this.outcome;
  }
}

const created = { status: 'created', responseId: 'resp_1', waitedMs: 0 } as unknown as ResponseOutcome;

describe('sayThenHangUp', () => {
  it('hangs up once the line has played, not before', async () => {
    const s = new Subject(created);
    const hangUp = vi.fn();
    await sayThenHangUp(s, { reason: 'goodbye', instructions: 'bye' }, hangUp);
    expect(s.asked).toHaveLength(1);
    s.emit('agent-speaking', true);
    expect(hangUp).not.toHaveBeenCalled();
    s.emit('agent-speaking', false);
    s.emit('agent-speaking', false);
    expect(hangUp).toHaveBeenCalledTimes(1);
    expect(s.listenerCount('agent-speaking')).toBe(0);
  });

  it('hangs up at once when the line cannot be asked for', async () => {
    const s = new Subject({ status: 'refused', error: new Error('no'), waitedMs: 0 });
    const hangUp = vi.fn();
    await sayThenHangUp(s, { reason: 'apology', instructions: 'sorry' }, hangUp);
    expect(hangUp).toHaveBeenCalledTimes(1);
  });

  it('hangs up after the bound when no audio ever comes', async () => {
    vi.useFakeTimers();
    try {
      const s = new Subject(created);
      const hangUp = vi.fn();
      await sayThenHangUp(s, { reason: 'apology', instructions: 'sorry' }, hangUp, 5_000);
      vi.advanceTimersByTime(4_999);
      expect(hangUp).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(hangUp).toHaveBeenCalledTimes(1);
      s.emit('agent-speaking', false);
      expect(hangUp).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('playThenHangUp: plays the recorded line and hangs up once it has drained, or at the bound', () => {
    vi.useFakeTimers();
    try {
      const playback = Object.assign(new EventEmitter<{ drained: [string] }>(), {
        pushed: [] as [string, number][],
        ended: [] as string[],
        push(id: string, pcm: Int16Array) {
          this.pushed.push([id, pcm.length]);
        },
        end(id: string) {
          this.ended.push(id);
        },
      });
      const hangUp = vi.fn();
      playThenHangUp(playback, new Int16Array(2400), hangUp, 5_000);
      const [[id, n]] = playback.pushed as [[string, number]];
      expect(n).toBe(2400);
      expect(playback.ended).toEqual([id]);
      playback.emit('drained', 'resp_other');
      expect(hangUp).not.toHaveBeenCalled();
      playback.emit('drained', id);
      expect(hangUp).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(10_000);
      expect(hangUp).toHaveBeenCalledTimes(1);
      // no drain ever: the bound ends the call
      const hangUp2 = vi.fn();
      playThenHangUp(playback, new Int16Array(10), hangUp2, 5_000);
      vi.advanceTimersByTime(5_000);
      expect(hangUp2).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
