import { describe, expect, it } from 'vitest';
import { cohenD, compare, shareBelow, summarise } from './stats.js';

// Reference values computed with R 4.x:
//   a <- c(19.1, 18.2, 21.4, 20.3, 19.8); b <- c(17.2, 16.9, 18.8, 17.5, 18.1, 19.0)
//   t.test(a, b)  → t = 2.8572, df = 7.0824, p-value = 0.02413
// and checked by hand: means 19.76 / 17.9167, sample variances 1.4630 / 0.74167,
//   t = 1.8433 / sqrt(1.4630/5 + 0.74167/6) = 2.8572; Welch–Satterthwaite df = 7.082.
//   Cohen's d: pooled sd = sqrt((4·1.4630 + 5·0.74167)/9) = 1.03066, d = 1.8433/1.03066 = 1.7885.
const a = [19.1, 18.2, 21.4, 20.3, 19.8];
const b = [17.2, 16.9, 18.8, 17.5, 18.1, 19.0];

describe('statistics', () => {
  it("Welch's t-test matches R's t.test", () => {
    const r = compare(a, b);
    expect(r.welch_t).toBeCloseTo(2.8572, 3);
    expect(r.welch_df).toBeCloseTo(7.0824, 3);
    expect(r.welch_p).toBeCloseTo(0.02413, 4);
  });

  it('is symmetric: swapping groups flips t and d, keeps p', () => {
    const r = compare(b, a);
    expect(r.welch_t).toBeCloseTo(-2.8572, 3);
    expect(r.welch_p).toBeCloseTo(0.02413, 4);
    expect(r.cohen_d).toBeCloseTo(-cohenD(a, b), 10);
  });

  it("Cohen's d with the pooled standard deviation", () => {
    expect(cohenD(a, b)).toBeCloseTo(1.7885, 3);
  });

  it('large separation gives a tiny p, identical samples p = 1', () => {
    expect(compare([1, 2, 3, 4], [101, 102, 103, 104]).welch_p!).toBeLessThan(1e-6);
    expect(compare([1, 2, 3], [1, 2, 3]).welch_p).toBeCloseTo(1, 10);
  });

  it('is undefined (null), not NaN, for too-small or constant samples', () => {
    expect(compare([1], [2, 3]).welch_t).toBeNull();
    expect(compare([5, 5], [5, 5]).welch_p).toBeNull();
  });

  it('summaries and shares', () => {
    expect(summarise([300, 100, 200, 400])).toMatchObject({ n: 4, median: 250, mean: 250 });
    expect(summarise([])).toEqual({ n: 0, median: null, mean: null, p90: null });
    expect(shareBelow([500, 999, 1000, 2000], 1000)).toBe(0.5);
  });
});
