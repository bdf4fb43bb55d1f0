import { describe, expect, it } from 'vitest';
import { InputLateness } from './input-lateness.js';

/** Hops of 10 ms read at `readAt(k)` (wall ms) for k = 0…n−1; the lateness of each. */
function observe(n: number, readAt: (k: number) => number, windowMs?: number): number[] {
  const l = new InputLateness(windowMs);
  return Array.from({ length: n }, (_, k) => l.observe(readAt(k), (k + 1) * 10));
}

describe('InputLateness', () => {
  it('reads about nothing while hops come at their pace, jitter and all', () => {
    const jitter = [0, 3, 1, 4, 0, 2];
    const late = observe(600, (k) => 1000 + (k + 1) * 10 + jitter[k % jitter.length]!);
    expect(Math.max(...late)).toBeLessThanOrEqual(4);
  });

  it('sees a stall: the hops read in a burst after it are late by the stall, less what they caught up', () => {
    // at pace for 1 s, then the loop is away 300 ms and reads the 30 hops queued meanwhile at once
    const late = observe(160, (k) => (k < 100 ? (k + 1) * 10 : k < 130 ? 1300 + (k - 100) * 0.1 : (k + 1) * 10));
    expect(late.slice(0, 100).every((x) => x === 0)).toBe(true);
    expect(late[100]).toBeCloseTo(290, 0); // stream end 1010 ms, read at 1300
    expect(late[129]).toBeCloseTo(2.9, 0); // the last of the burst has nearly caught up
    expect(late.slice(130).every((x) => x === 0)).toBe(true);
  });

  it('forgets a source that paused once the window has passed', () => {
    // 2 s with no audio at all (no hops queued: the source stopped), then the live pace again
    const late = observe(1000, (k) => (k < 100 ? (k + 1) * 10 : (k + 1) * 10 + 2000), 5000);
    expect(late[100]).toBe(2000); // inside the window it reads as late: a pause cannot be told from a stall
    expect(late[150]).toBe(2000);
    // hop k is read at (k+1)·10 + 2000; the last pre-pause hop (read at 1000) leaves the window at 6000
    expect(late[400]).toBe(0);
    expect(late.slice(400).every((x) => x === 0)).toBe(true);
  });
});
