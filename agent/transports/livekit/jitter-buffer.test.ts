import { afterEach, describe, expect, it, vi } from 'vitest';
import { type InboundAudioCounters, intervalBetween, JitterBufferMonitor, JitterBufferRecord } from './jitter-buffer.js';

const RATE = 48_000;

/**
 * A NetEq as the statistics see it: each second it emits RATE samples that waited `delayMs` each
 * (against a target of `targetMs`), of which `concealed` and `removed` samples.
 */
function neteq() {
  const c: InboundAudioCounters = {
    jitterBufferDelay: 0,
    jitterBufferTargetDelay: 0,
    jitterBufferEmittedCount: 0,
    totalSamplesReceived: 0,
    concealedSamples: 0,
    removedSamplesForAcceleration: 0,
  };
  return {
    second(delayMs: number, o: { targetMs?: number; concealed?: number; removed?: number } = {}): InboundAudioCounters {
      c.jitterBufferDelay += (RATE * delayMs) / 1000;
      c.jitterBufferTargetDelay += (RATE * (o.targetMs ?? delayMs)) / 1000;
      c.jitterBufferEmittedCount += RATE;
      c.totalSamplesReceived += RATE;
      c.concealedSamples += o.concealed ?? 0;
      c.removedSamplesForAcceleration += o.removed ?? 0;
      return { ...c };
    },
  };
}

describe('the jitter buffer wait (caller audio held inside the agent)', () => {
  it("reads each interval's mean wait, target and shares from the cumulative counters", () => {
    const n = neteq();
    const a = n.second(60);
    const b = n.second(900, { targetMs: 700, concealed: 4800, removed: 2400 });
    const i = intervalBetween(a, b)!;
    expect(i.delayMs).toBeCloseTo(900, 6);
    expect(i.targetMs).toBeCloseTo(700, 6);
    expect(i.concealedShare).toBeCloseTo(0.1, 6);
    expect(i.acceleratedShare).toBeCloseTo(0.05, 6);
  });

  it('has no interval when nothing was emitted, or when the counters start again (a new stream)', () => {
    const n = neteq();
    const a = n.second(60);
    expect(intervalBetween(a, a)).toBeNull();
    expect(intervalBetween(n.second(60), neteq().second(60))).toBeNull();
  });

  it('finds exactly the seconds a spike held the audio, where they were, and none in a steady call', () => {
    // 10 s at 40 ms, a spike to 1.4 s at second 12 draining over ~8 s, then 40 ms again
    const waits = [...Array(10).fill(40), 300, 900, 1400, 1200, 900, 600, 400, 250, 150, 80, ...Array(10).fill(40)];
    const n = neteq();
    const rec = new JitterBufferRecord(1000);
    let prev = n.second(40);
    const crossings: number[] = [];
    waits.forEach((w, k) => {
      const cur = n.second(w, { removed: w > 200 ? 960 : 0 });
      if (rec.add(intervalBetween(prev, cur)!)) crossings.push(k);
      prev = cur;
    });
    const f = rec.figures();
    expect(f.maxMs).toBe(1400);
    expect(f.maxAtS).toBe(13);
    expect(f.heldS).toBe(8); // 300 … 250: the seconds over 200 ms
    expect(crossings).toEqual([10, 18]); // held from the 11th interval, back below at the 19th
    expect(f.p50Ms).toBe(40);
    expect(f.acceleratedMs).toBe(160); // 8 s × 960 of 48 000 samples × 1000 ms
    expect(f.series).toEqual(waits);

    const steady = new JitterBufferRecord(1000);
    const m = neteq();
    let p = m.second(40);
    for (let k = 0; k < 30; k++) {
      const cur = m.second(40 + (k % 3) * 10);
      expect(steady.add(intervalBetween(p, cur)!)).toBe(false);
      p = cur;
    }
    expect(steady.figures()).toMatchObject({ heldS: 0, maxMs: 60, p50Ms: 50 });
  });
});

describe('JitterBufferMonitor', () => {
  afterEach(() => vi.useRealTimers());

  it('reads the counters once a period, skips a period while a read is slow, and stops when a read fails', async () => {
    vi.useFakeTimers();
    const n = neteq();
    let reads = 0;
    let release: (() => void) | null = null;
    const told: [boolean, number][] = [];
    const waits = [50, 50, 700, 50];
    const mon = new JitterBufferMonitor(
      async () => {
        reads++;
        if (reads === 4) await new Promise<void>((r) => (release = r)); // the fourth read hangs for two periods
        if (reads === 7) throw new Error('room closed');
        return n.second(waits[reads - 1] ?? 50);
      },
      (held, i) => told.push([held, Math.round(i.delayMs)]),
      1000,
    );
    await vi.advanceTimersByTimeAsync(3000); // reads 1–3: two intervals
    expect(mon.record.figures().series).toEqual([50, 700]);
    expect(told).toEqual([[true, 700]]);
    await vi.advanceTimersByTimeAsync(2000); // read 4 hangs; the next period finds it still reading
    expect(reads).toBe(4);
    release!();
    await vi.advanceTimersByTimeAsync(1000); // read 5
    await vi.advanceTimersByTimeAsync(1000); // read 6
    expect(reads).toBe(6);
    await vi.advanceTimersByTimeAsync(1000); // read 7 fails: stopped
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads).toBe(7);
    expect(mon.record.figures().intervals).toBe(5); // six readings
    expect(told).toEqual([
      [true, 700],
      [false, 50],
    ]);
    mon.stop();
  });
});
