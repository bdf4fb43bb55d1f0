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

  it('sees a stall of a loaded machine (a 250 ms frame) as a figure, to within 1 ms', () => {
    const h = new LatenessHistogram();
    expect(h.percentile(99.9)).toBe(0);
    for (let i = 0; i < 839; i++) h.add(0.4);
    h.add(250.3);
    expect(h.percentile(99.9)).toBe(251);
    expect(h.percentile(99)).toBeCloseTo(0.45, 2);
  });

  it('reports only what lies past 5 s as Infinity', () => {
    const h = new LatenessHistogram();
    h.add(4_999.2);
    expect(h.percentile(100)).toBe(5_000);
    h.add(7_000);
    expect(h.percentile(100)).toBe(Infinity);
  });
});
