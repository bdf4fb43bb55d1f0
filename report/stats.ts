import ttest2 from '@stdlib/stats-ttest2';
import { mean, median, quantileSorted, sampleStandardDeviation, sampleVariance } from 'simple-statistics';

/** Summary figures of one sample (ms). */
export interface Summary {
  n: number;
  median: number | null;
  mean: number | null;
  p90: number | null;
}

export function summarise(xs: number[]): Summary {
  if (!xs.length) return { n: 0, median: null, mean: null, p90: null };
  const sorted = [...xs].sort((a, b) => a - b);
  return { n: xs.length, median: median(sorted), mean: mean(sorted), p90: quantileSorted(sorted, 0.9) };
}

/** Share of values strictly below a threshold. */
export function shareBelow(xs: number[], threshold: number): number | null {
  return xs.length ? xs.filter((x) => x < threshold).length / xs.length : null;
}

export interface Comparison {
  welch_t: number | null;
  welch_df: number | null;
  /** Two-tailed p-value of Welch's t-test. */
  welch_p: number | null;
  /** Cohen's d with the pooled standard deviation (a − b). */
  cohen_d: number | null;
}

/**
 * Welch's unequal-variance t-test (a kept library, @stdlib/stats-ttest2) and Cohen's d. Null
 * when a group has fewer than two values or no spread (the test is undefined there).
 */
export function compare(a: number[], b: number[]): Comparison {
  const none = { welch_t: null, welch_df: null, welch_p: null, cohen_d: null };
  if (a.length < 2 || b.length < 2) return none;
  const va = sampleVariance(a);
  const vb = sampleVariance(b);
  if (va === 0 && vb === 0) return none;
  const r = ttest2(a, b, { alternative: 'two-sided', variance: 'unequal' });
  return { welch_t: r.statistic, welch_df: r.df, welch_p: r.pValue, cohen_d: cohenD(a, b) };
}

/** Cohen's d: difference of means over the pooled sample standard deviation. */
export function cohenD(a: number[], b: number[]): number {
  const na = a.length;
  const nb = b.length;
  const pooled = Math.sqrt(((na - 1) * sampleStandardDeviation(a) ** 2 + (nb - 1) * sampleStandardDeviation(b) ** 2) / (na + nb - 2));
  return (mean(a) - mean(b)) / pooled;
}
