import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay of this process (the job's audio path runs on it). Sampled per turn: each
 * `take()` returns the figures since the previous one and starts a new window.
 */
export class LoopDelayMonitor {
  readonly #h: IntervalHistogram;

  constructor(resolutionMs = 5) {
    this.#h = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#h.enable();
  }

  take(): { p99Ms: number; maxMs: number; p50Ms: number } {
    const ns = 1e6;
    const r = { p50Ms: this.#h.percentile(50) / ns, p99Ms: this.#h.percentile(99) / ns, maxMs: this.#h.max / ns };
    this.#h.reset();
    return r;
  }

  close(): void {
    this.#h.disable();
  }
}
