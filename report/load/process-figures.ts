import type { CallSummary } from '../../agent/metrics/call-summary.js';
import { summarise } from '../stats.js';
import type { ProcessRole, ProcessSeries } from './process-series.js';

/** One job process while it served its call, from the per-second samples. */
export interface JobProcessFigures {
  room: string;
  pid: number;
  seconds: number;
  cpu_pct_p50: number | null;
  cpu_pct_p90: number | null;
  cpu_pct_max: number | null;
  rss_mb_start: number | null;
  rss_mb_max: number | null;
  rss_mb_end: number | null;
  /** Mean CPU % of one core per thread name over the call. */
  threads: Record<string, number>;
}

const r1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
/** A process sampled once a second whose latest sample is older than this has ended (or not begun). */
const STALE_SAMPLE_MS = 1500;

/**
 * Joins the sampled processes to the calls they served (the call summary carries the job's pid)
 * and reduces each to its figures over the call (caller joined → call ended).
 */
export function jobProcessFigures(series: ProcessSeries[], calls: CallSummary[]): JobProcessFigures[] {
  const out: JobProcessFigures[] = [];
  for (const c of calls) {
    const s = series.find((x) => x.pid === c.pid && x.role === 'job');
    const samples = s?.samples.filter((x) => x.at > c.callerJoinedAt && x.at <= c.endedAt) ?? [];
    if (samples.length === 0) continue;
    const cpu = summarise(samples.map((x) => x.cpuPct));
    const threads: Record<string, number> = {};
    for (const x of samples)
      for (const [name, pct] of Object.entries(x.threads)) threads[name] = (threads[name] ?? 0) + pct / samples.length;
    out.push({
      room: c.room,
      pid: c.pid,
      seconds: samples.length,
      cpu_pct_p50: r1(cpu.median),
      cpu_pct_p90: r1(cpu.p90),
      cpu_pct_max: r1(Math.max(...samples.map((x) => x.cpuPct))),
      rss_mb_start: r1(samples[0]!.rssMb),
      rss_mb_max: r1(Math.max(...samples.map((x) => x.rssMb))),
      rss_mb_end: r1(samples.at(-1)!.rssMb),
      threads: Object.fromEntries(
        Object.entries(threads)
          .map(([k, v]): [string, number] => [k, r1(v) ?? 0])
          .sort((a, b) => b[1] - a[1]),
      ),
    });
  }
  return out;
}

/**
 * Where the machine's CPU went between `from` and `to`: mean % of one core per role, all processes
 * of a role summed (every job together; the runner is the callers and, locally, the Realtime stand-in).
 */
export function cpuByRole(series: ProcessSeries[], from: number, to: number): Partial<Record<ProcessRole, number>> {
  const seconds = Math.max(1, (to - from) / 1000);
  const byRole: Partial<Record<ProcessRole, number>> = {};
  for (const s of series) {
    // each sample is the mean over its interval: weight it by the interval's length
    let prevAt = s.samples[0] ? s.samples[0].at - 1000 : 0;
    let coreSeconds = 0;
    for (const x of s.samples) {
      if (x.at > from && x.at <= to) coreSeconds += (x.cpuPct / 100) * ((x.at - prevAt) / 1000);
      prevAt = x.at;
    }
    byRole[s.role] = (byRole[s.role] ?? 0) + coreSeconds;
  }
  return Object.fromEntries(Object.entries(byRole).map(([k, v]) => [k, r1((v / seconds) * 100)!]));
}

/** The median job's figure (e.g. its CPU p50), over the jobs that have one. */
export function medianOverJobs(jobs: JobProcessFigures[], key: 'cpu_pct_p50' | 'cpu_pct_p90' | 'rss_mb_max'): number | null {
  return r1(summarise(jobs.map((j) => j[key]).filter((x): x is number => x !== null)).median);
}

/**
 * A job's memory trend while it served its call, past its warm-up: the least-squares slope of RSS
 * over the samples from `settleMs` after the caller joined to the end, MB per minute. What a leak
 * shows as; the first seconds of a call (JIT, buffers, the guardrail thread) only warm up. Null
 * when fewer than 10 samples remain.
 */
export function rssSlopeMbPerMin(series: ProcessSeries[], call: CallSummary, settleMs = 30_000): number | null {
  const s = series.find((x) => x.pid === call.pid && x.role === 'job');
  const pts = s?.samples.filter((x) => x.at >= call.callerJoinedAt + settleMs && x.at <= call.endedAt) ?? [];
  if (pts.length < 10) return null;
  const mx = pts.reduce((a, p) => a + p.at, 0) / pts.length;
  const my = pts.reduce((a, p) => a + p.rssMb, 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const p of pts) {
    sxy += (p.at - mx) * (p.rssMb - my);
    sxx += (p.at - mx) ** 2;
  }
  return sxx > 0 ? r1((sxy / sxx) * 60_000) : null;
}

/**
 * The largest resident memory of the processes of `roles` together, over `from`..`to`: once a
 * second, each process's latest sample (no older than STALE_SAMPLE_MS: a process no longer sampled
 * has gone) summed. Each process counts once however its samples fall: a sampler running late
 * puts two of one process's samples in one calendar second, which summing by second counted twice.
 */
export function peakRssMb(series: ProcessSeries[], roles: ProcessRole[], from: number, to: number): number | null {
  const chosen = series.filter((s) => roles.includes(s.role)).map((s) => s.samples.filter((x) => x.at >= from && x.at <= to));
  const times = chosen.flat().map((x) => x.at);
  if (times.length === 0) return null;
  const first = Math.min(...times);
  const last = Math.max(...times);
  const cursor = chosen.map(() => -1);
  let peak = 0;
  for (let t = first; t < last + 1000; t += 1000) {
    let sum = 0;
    chosen.forEach((samples, k) => {
      while (cursor[k]! + 1 < samples.length && samples[cursor[k]! + 1]!.at <= t) cursor[k]!++;
      const x = samples[cursor[k]!];
      if (x && t - x.at <= STALE_SAMPLE_MS) sum += x.rssMb;
    });
    peak = Math.max(peak, sum);
  }
  return r1(peak);
}
