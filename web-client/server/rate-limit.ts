/**
 * Per-client token bucket: `burst` requests at once, refilled at `perMinute`. Buckets that are
 * full again are dropped, so memory stays bounded by the clients active in the last minute or so.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; returns 0 when allowed, else the seconds until the next token. */
  take(key: string): number {
    const now = this.now();
    const rate = this.perMinute / 60_000;
    const b = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens < 1) {
      this.#buckets.set(key, b);
      return Math.ceil((1 - b.tokens) / rate / 1000);
    }
    b.tokens -= 1;
    this.#buckets.set(key, b);
    if (this.#buckets.size > 10_000) this.#sweep(now, rate);
    return 0;
  }

  #sweep(now: number, rate: number): void {
    for (const [k, b] of this.#buckets) if (b.tokens + (now - b.at) * rate >= this.burst) this.#buckets.delete(k);
  }
}
