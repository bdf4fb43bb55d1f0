import { describe, expect, it } from 'vitest';
import { LatenessHistogram } from './lateness-histogram.js';

describe('LatenessHistogram', () => {
  it('finds the tail of a known distribution to within one bin', () => {
    const h = new LatenessHistogram();
    // 9,990 frames on time (0.2 ms), 10 late by 7.3 ms: p99.9 is still on time, p99.95 is late
    for (let i = 0; i < 9990; i++) h.add(0.2);
    for (let i = 0; i < 10; i++) h.add(7.3);
    expect(h.count).toBe(10_000);
    expect(h.percentile(50)).toBeCloseTo(0.25, 2);
    expect(h.percentile(99.9)).toBeCloseTo(0.25, 2);
    expect(h.percentile(99.95)).toBeCloseTo(7.35, 2);
    expect(h.percentile(100)).toBeCloseTo(7.35, 2);
  });

  it('reports an overflow as Infinity and an empty histogram as 0', () => {
    const h = new LatenessHistogram();
    expect(h.percentile(99.9)).toBe(0);
    h.add(250);
    expect(h.percentile(99.9)).toBe(Infinity);
  });
});
