import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay of this process (the job's audio path runs on it). Sampled per turn: each
 * `take()` returns the figures since the previous one and starts a new window.
 */
export class LoopDelayMonitor {
  readonly #h: IntervalHistogram;
  /** The whole call, never reset: its tail goes into the call summary. */
  readonly #all: IntervalHistogram;

  constructor(private readonly resolutionMs = 5) {
    this.#h = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#h.enable();
    this.#all = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#all.enable();
  }

  /** Since the monitor started: p99.9 and max delay beyond schedule, ms. */
  whole(): { p999Ms: number; maxMs: number } {
    const ms = (ns: number) => Math.max(0, ns / 1e6 - this.resolutionMs);
    return { p999Ms: ms(this.#all.percentile(99.9)), maxMs: ms(this.#all.max) };
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
    this.#all.disable();
  }
}
