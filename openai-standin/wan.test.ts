import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WanDirection } from './wan.js';

// the link's clock is faked: delays are checked exactly, whatever the machine's load
beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
afterEach(() => vi.useRealTimers());

describe('WanDirection', () => {
  it('delivers after the one-way delay, in order, within the jitter', () => {
    const link = new WanDirection({ rttMs: 80, jitterMs: 30 });
    const t0 = performance.now();
    const got: [number, number][] = [];
    for (let i = 0; i < 20; i++) {
      link.send(() => got.push([i, performance.now() - t0]));
      vi.advanceTimersByTime(2); // sent 2 ms apart
    }
    vi.advanceTimersByTime(200);
    expect(got.map(([i]) => i)).toEqual([...Array(20).keys()]);
    for (const [i, ms] of got) {
      const delay = ms - 2 * i; // after its own sending
      expect(delay).toBeGreaterThanOrEqual(40 - 30 - 1);
      expect(delay).toBeLessThanOrEqual(40 + 30 + 2 * 20); // jitter, or waiting behind an earlier one
    }
    // the delays differ (jitter), and on average sit near half the round trip
    const delays = got.map(([i, ms]) => ms - 2 * i);
    const mean = delays.reduce((a, d) => a + d, 0) / delays.length;
    expect(mean).toBeGreaterThan(35);
    expect(mean).toBeLessThan(70);
    expect(new Set(delays.map((d) => Math.round(d))).size).toBeGreaterThan(3);
  });

  it('is immediate with no delay set, and drops what is on the wire at close', () => {
    const none = new WanDirection({ rttMs: 0, jitterMs: 0 });
    let n = 0;
    none.send(() => n++);
    expect(n).toBe(1);
    const link = new WanDirection({ rttMs: 100, jitterMs: 0 });
    link.send(() => n++);
    vi.advanceTimersByTime(49);
    expect(n).toBe(1);
    link.close();
    vi.advanceTimersByTime(100);
    expect(n).toBe(1);
    const again = new WanDirection({ rttMs: 100, jitterMs: 0 });
    again.send(() => n++);
    vi.advanceTimersByTime(50);
    expect(n).toBe(2);
  });
});
