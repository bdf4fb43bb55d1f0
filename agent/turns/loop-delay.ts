import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay of this process (the job's audio path runs on it). Sampled per turn: each
 * `take()` returns the figures since the previous one and starts a new window.
 */
export class LoopDelayMonitor {
  readonly #h: IntervalHistogram;

  constructor(private readonly resolutionMs = 5) {
    this.#h = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#h.enable();
  }

  /**
   * Delay beyond schedule, in ms. The histogram records the whole interval between its timer's
   * ticks (an idle process reads ≈ the resolution), so the resolution is taken off.
   */
  take(): { p99Ms: number; maxMs: number; p50Ms: number } {
    const ms = (ns: number) => Math.max(0, ns / 1e6 - this.resolutionMs);
    const r = { p50Ms: ms(this.#h.percentile(50)), p99Ms: ms(this.#h.percentile(99)), maxMs: ms(this.#h.max) };
    this.#h.reset();
    return r;
  }

  close(): void {
    this.#h.disable();
  }
}
