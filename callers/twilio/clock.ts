/** Epoch ms with sub-ms resolution, on the same clock as Date.now() (what callers record turns on). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Calls `tick(n)` for n = 0, 1, 2, … at `t0 + n × periodMs` (monotonic clock): each deadline is
 * computed from the start, never from the last tick, so timer lateness does not accumulate. A tick
 * missed by a stalled event loop is still run, late, as soon as the loop is back (a phone's
 * packets after a network stall), so the count of ticks always matches the time elapsed.
 */
export function startDeadlineClock(periodMs: number, tick: (n: number) => void): { stop(): void } {
  const t0 = performance.now();
  let n = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const run = () => {
    while (!stopped && performance.now() >= t0 + n * periodMs) tick(n++);
    if (!stopped) timer = setTimeout(run, Math.max(0, t0 + n * periodMs - performance.now()));
  };
  run();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
