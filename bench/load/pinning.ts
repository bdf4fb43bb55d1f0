import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * The pinned layout of the capacity sweep (`npm run load -- --pin`, `npm run capacity`): the worker
 * and its job processes on one core, everything else the run needs (livekit-server, Redis, the
 * Realtime stand-in and the callers in the runner) on the other, so calls per worker core can be
 * read off one core's figures.
 */
export const WORKER_CORES = '0';
export const OTHER_CORES = '1';

/** Moves this process (and so everything it starts from now on) onto `cores`. */
export function pinSelf(cores: string): void {
  if (cpus().length < 2) throw new Error('--pin needs two cores: one for the worker, one for the rest');
  const r = spawnSync('taskset', ['-p', '-c', cores, String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset could not pin the runner to core ${cores}: ${r.stderr || r.error?.message}`);
}

/** Busy share of each core (0..1) since the meter was made, read from the kernel's per-core times. */
export function coreBusyMeter(): () => number[] {
  const start = cpus().map((c) => c.times);
  return () =>
    cpus().map((c, i) => {
      const a = start[i]!;
      const t = c.times;
      const idle = t.idle - a.idle;
      const all = t.user + t.nice + t.sys + t.idle + t.irq - (a.user + a.nice + a.sys + a.idle + a.irq);
      return all > 0 ? Math.min(1, Math.max(0, 1 - idle / all)) : 0;
    });
}
