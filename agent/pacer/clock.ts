/**
 * Time as the pacer sees it. Injected so tests can drive the schedule by hand; production uses
 * the system clock. `now` is monotonic (schedule, played position); `wallNow` is Date.now() for
 * the latency record, which is kept in wall-clock ms.
 */
export interface PacerClock {
  now(): number;
  wallNow(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: PacerClock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
