import { PerformanceObserver, performance } from 'node:perf_hooks';

/** What one measured round cost: CPU ms (user + system), the GCs inside it and their ms, and what the run returned. */
export interface Round<T> {
  cpuMs: number;
  gc: number;
  gcMs: number;
  result: T;
}

/**
 * Measures synchronous runs one at a time: the process's CPU over the run, and the GC events
 * (PerformanceObserver 'gc') that began inside it. GC entries are delivered after the fact, so
 * each round waits SETTLE_MS before and after: a GC of the round before cannot fall into this one,
 * and this one's are all in. `stop()` ends the observer.
 */
export function roundMeter(settleMs = 50) {
  const gcs: { at: number; ms: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ at: e.startTime, ms: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const settle = () => new Promise((r) => setTimeout(r, settleMs));
  return {
    async measure<T>(run: () => T): Promise<Round<T>> {
      await settle();
      const from = performance.now();
      const cpu = process.cpuUsage();
      const result = run();
      const used = process.cpuUsage(cpu);
      const to = performance.now();
      await settle();
      const inRound = gcs.filter((g) => g.at >= from && g.at <= to);
      return { cpuMs: (used.user + used.system) / 1000, gc: inRound.length, gcMs: inRound.reduce((s, g) => s + g.ms, 0), result };
    },
    stop: () => observer.disconnect(),
  };
}
