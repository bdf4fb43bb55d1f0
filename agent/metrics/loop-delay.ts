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
    return { p999Ms: this.#beyond(this.#all.percentile(99.9)), maxMs: this.#beyond(this.#all.max) };
  }

  /**
   * Delay beyond schedule, in ms. The histogram records the whole interval between its timer's
   * ticks (an idle process reads ≈ the resolution), so the resolution is taken off.
   */
  take(): { p99Ms: number; maxMs: number; p50Ms: number } {
    const r = {
      p50Ms: this.#beyond(this.#h.percentile(50)),
      p99Ms: this.#beyond(this.#h.percentile(99)),
      maxMs: this.#beyond(this.#h.max),
    };
    this.#h.reset();
    return r;
  }

  /** A recorded interval (ns) as delay beyond the timer's schedule (ms). */
  #beyond(ns: number): number {
    return Math.max(0, ns / 1e6 - this.resolutionMs);
  }

  close(): void {
    this.#h.disable();
    this.#all.disable();
  }
}
