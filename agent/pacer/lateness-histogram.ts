/**
 * Fixed-bin histogram of frame hand-off lateness, so a call's tail (p99.9) is known without
 * keeping every sample: 0.05 ms bins up to 100 ms, then 1 ms bins up to 5 s (a stall of a
 * loaded machine is a figure, not an overflow), then one overflow bin. Adding is O(1) and
 * allocation free, fit for the per-frame path.
 */
const FINE_MS = 0.05;
const FINE_BINS = 2000; // 0–100 ms
const COARSE_MS = 1;
const COARSE_BINS = 4900; // 100 ms–5 s
const FINE_TOP = FINE_MS * FINE_BINS;
const OVERFLOW = FINE_BINS + COARSE_BINS;

export class LatenessHistogram {
  readonly #bins = new Uint32Array(OVERFLOW + 1);
  #count = 0;

  add(ms: number): void {
    const v = Math.max(0, ms);
    const i = v < FINE_TOP ? Math.floor(v / FINE_MS) : Math.min(OVERFLOW, FINE_BINS + Math.floor((v - FINE_TOP) / COARSE_MS));
    this.#bins[i]!++;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** Upper edge of the bin holding the p-th percentile (0 < p ≤ 100); 0 when empty, Infinity past 5 s. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count - 1e-9)); // 99.9 % of 10,000 is 9,990, not 9,990.000000000002
    let seen = 0;
    for (let i = 0; i <= OVERFLOW; i++) {
      seen += this.#bins[i]!;
      if (seen < rank) continue;
      if (i === OVERFLOW) return Infinity;
      const edge = i < FINE_BINS ? (i + 1) * FINE_MS : FINE_TOP + (i - FINE_BINS + 1) * COARSE_MS;
      return Math.round(edge * 100) / 100;
    }
    return Infinity;
  }
}
