/**
 * Fixed-bin histogram of frame hand-off lateness, so a call's tail (p99.9) is known without
 * keeping every sample: 0.05 ms bins up to 100 ms, one overflow bin. Adding is O(1) and allocation
 * free, fit for the per-frame path.
 */
const BIN_MS = 0.05;
const BINS = 2000;

export class LatenessHistogram {
  readonly #bins = new Uint32Array(BINS + 1);
  #count = 0;

  add(ms: number): void {
    const i = Math.min(BINS, Math.max(0, Math.floor(ms / BIN_MS)));
    this.#bins[i]!++;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** Upper edge of the bin holding the p-th percentile (0 < p ≤ 100); 0 when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count - 1e-9)); // 99.9 % of 10,000 is 9,990, not 9,990.000000000002
    let seen = 0;
    for (let i = 0; i <= BINS; i++) {
      seen += this.#bins[i]!;
      if (seen >= rank) return i === BINS ? Infinity : Math.round((i + 1) * BIN_MS * 100) / 100;
    }
    return Infinity;
  }
}
