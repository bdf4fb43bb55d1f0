import { cpus } from 'node:os';

/**
 * The machine's CPU busy share since the previous call (0..1), from the kernel's per-core tick
 * counters. Reacts within one load-report interval, unlike the 1-minute load average.
 */
export function cpuBusyMeter(): () => number {
  let prev = totals();
  return () => {
    const now = totals();
    const idle = now.idle - prev.idle;
    const all = now.all - prev.all;
    prev = now;
    return all > 0 ? Math.min(1, Math.max(0, 1 - idle / all)) : 0;
  };
}

function totals(): { idle: number; all: number } {
  let idle = 0;
  let all = 0;
  for (const c of cpus()) {
    const t = c.times;
    idle += t.idle;
    all += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, all };
}
