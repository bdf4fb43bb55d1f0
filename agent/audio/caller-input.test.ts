import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpeechGate } from '../vad/gate.js';
import type { FrameDetector, FrameResult } from '../vad/types.js';
import { CallerInput, type HopFrame } from './caller-input.js';

const HOP = 160;

/** A detector that calls a loud hop voiced, and can be told to break at its n-th hop. */
function detector(opts: { failAt?: number } = {}): FrameDetector & { calls: number } {
  return {
    hopSize: HOP,
    threshold: 0.5,
    calls: 0,
    async process(hop: Int16Array): Promise<FrameResult> {
      this.calls++;
      if (opts.failAt !== undefined && this.calls >= opts.failAt) throw new Error('model session lost');
      const voiced = Math.abs(hop[0]!) > 1000;
      return { index: this.calls - 1, probability: voiced ? 0.9 : 0.1, flag: voiced };
    },
    reset() {},
    async close() {},
  };
}

/** A stream of hops: `speechHops` loud, then `silenceHops` quiet, then an error or the end. */
function hops(speechHops: number, silenceHops: number, end: 'close' | Error = 'close'): ReadableStream<HopFrame> {
  const frames = [...Array(speechHops).fill(8000), ...Array(silenceHops).fill(0)].map((v) => ({
    samplesPerChannel: HOP,
    data: new Int16Array(HOP).fill(v),
  }));
  return new ReadableStream<HopFrame>({
    pull(c) {
      const f = frames.shift();
      if (f) c.enqueue(f);
      else if (end === 'close') c.close();
      else c.error(end);
    },
  });
}

function run(stream: ReadableStream<HopFrame>, det: FrameDetector) {
  const events: string[] = [];
  const failures: Error[] = [];
  const input = new CallerInput('track-1', stream, det, new SpeechGate({ hangoverMs: 100, minSpeechMs: 40 }), {
    onGateEvent: (ev) => ev.type !== 'probability' && ev.type !== 'speech-audio' && events.push(ev.type),
    onFailure: (e) => failures.push(e),
  });
  return { input, events, failures };
}

describe('CallerInput', () => {
  it('turns hops into gate events, and a stream that simply ends is no failure', async () => {
    const { input, events, failures } = run(hops(30, 30), detector());
    await input.done;
    expect(events).toEqual(['speech-start', 'speech-end']);
    expect(failures).toEqual([]);
    expect(input.source).toBe('track-1');
  });

  it('reports a stream that breaks, once, so the call can end instead of going deaf', async () => {
    const { input, events, failures } = run(hops(30, 0, new Error('track gone bad')), detector());
    await input.done;
    expect(events).toEqual(['speech-start']);
    expect(failures.map((e) => e.message)).toEqual(['track gone bad']);
  });

  it('reports a detector that throws', async () => {
    const det = detector({ failAt: 5 });
    const { input, failures } = run(hops(30, 30), det);
    await input.done;
    expect(det.calls).toBe(5);
    expect(failures.map((e) => e.message)).toEqual(['model session lost']);
  });

  it('reports nothing after stop()', async () => {
    let fail: (e: Error) => void = () => {};
    const stream = new ReadableStream<HopFrame>({
      start(c) {
        fail = (e) => c.error(e);
      },
    });
    const { input, failures } = run(stream, detector());
    await input.stop();
    fail(new Error('late'));
    expect(failures).toEqual([]);
  });

  describe('how late the hops are read', () => {
    afterEach(() => vi.useRealTimers());

    /**
     * 50 quiet hops then 30 loud, each "read" at readAt(k): the wall clock is set as the stream
     * hands the hop over, so the input stamps exactly that time. The onset's lateness, as passed
     * with speech-start.
     */
    async function onsetLateness(readAt: (k: number) => number): Promise<number[]> {
      vi.useFakeTimers({ toFake: ['Date'] });
      let k = 0;
      const stream = new ReadableStream<HopFrame>(
        {
          pull(c) {
            if (k === 80) return c.close();
            vi.setSystemTime(readAt(k));
            c.enqueue({ samplesPerChannel: HOP, data: new Int16Array(HOP).fill(k >= 50 ? 8000 : 0) });
            k++;
          },
        },
        { highWaterMark: 0 },
      ); // pulled only when the input reads, so the clock is set for that read
      const late: number[] = [];
      const input = new CallerInput('t', stream, detector(), new SpeechGate({ hangoverMs: 100, minSpeechMs: 40 }), {
        onGateEvent: (ev, _wallOf, lateMs) => ev.type === 'speech-start' && late.push(lateMs),
        onFailure: () => {},
      });
      await input.done;
      return late;
    }

    it('an onset read on time is not late; one read after a 300 ms stall is late by about that', async () => {
      const t0 = 1_800_000_000_000;
      expect(await onsetLateness((k) => t0 + (k + 1) * 10)).toEqual([0]);
      // the loop was away 300 ms as the caller began: the queued hops are read at once after it
      const stalled = await onsetLateness((k) => t0 + (k < 50 ? (k + 1) * 10 : 810 + (k - 50) * 0.2));
      expect(stalled).toHaveLength(1);
      // speech-start fires on the 4th loud hop (40 ms of speech): its audio ended at 540 ms, read at ~810
      expect(stalled[0]).toBeGreaterThan(260);
      expect(stalled[0]).toBeLessThan(280);
    });
  });
});
