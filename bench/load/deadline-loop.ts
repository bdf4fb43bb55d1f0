import { prioritiseCallThread } from '../../agent/call/priority.js';
import { DEFAULT_CALL_THREAD_NICE } from '../../agent/config/config.js';
import { readSettings } from '../../agent/config/parse.js';
import { WORKER_SETTINGS } from '../../agent/config/settings.js';
import { LatenessHistogram } from '../../agent/pacer/lateness-histogram.js';

/** What a bare deadline loop saw: its timers' lateness against a fixed 20 ms schedule. */
export interface DeadlineLoopFigures {
  ticks: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  /** Ticks later than 5 ms: the stalls the machine imposed on a process that does nothing else. */
  over_5ms: number;
  /** The late ticks (> 5 ms), when and how late (ms, the loop's clock), the first 1000. */
  late: { at: number; ms: number }[];
  /** As a process of its own: the nice value it ran at (the call threads'). */
  nice?: number;
}

/**
 * The control of a load run: a process that does nothing but wake on a 20 ms schedule (absolute
 * deadlines, as the pacer's) and note how late each wake-up was. No audio, no rtc-node, no
 * sockets. Run beside the jobs, its tail is what the machine alone imposes; a job's lateness
 * beyond it is the job's own.
 */
export function runDeadlineLoop(opts: { periodMs?: number; signal: AbortSignal; now?: () => number }): Promise<DeadlineLoopFigures> {
  const period = opts.periodMs ?? 20;
  const now = opts.now ?? (() => performance.now());
  const hist = new LatenessHistogram();
  let max = 0;
  let over5 = 0;
  const lateTicks: { at: number; ms: number }[] = [];
  const t0 = now();
  let k = 1;
  return new Promise((resolve) => {
    const tick = () => {
      const t = now();
      const late = t - (t0 + k * period);
      hist.add(late);
      if (late > max) max = late;
      if (late > 5) {
        over5++;
        if (lateTicks.length < 1000) lateTicks.push({ at: t, ms: Math.round(late * 100) / 100 });
      }
      // the next deadline after now: a stall is one late tick, not a burst of catch-up ticks
      k = Math.max(k + 1, Math.floor((t - t0) / period) + 1);
      if (opts.signal.aborted) return done();
      timer = setTimeout(tick, Math.max(0, t0 + k * period - now()));
    };
    const done = () =>
      resolve({
        ticks: hist.count,
        p50_ms: hist.percentile(50),
        p99_ms: hist.percentile(99),
        p999_ms: hist.percentile(99.9),
        max_ms: Math.round(max * 100) / 100,
        over_5ms: over5,
        late: lateTicks,
      });
    let timer = setTimeout(tick, period);
    opts.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      done();
    });
  });
}

// As a process of its own (bench/load/control.ts starts it): runs until SIGTERM, then prints its figures.
if (process.argv[1]?.endsWith('deadline-loop.ts') && process.argv.includes('--run')) {
  // at the priority a call's thread runs at (agent/call/priority.ts), so the comparison is fair
  const asked =
    readSettings(process.env, { PARLEY_CALL_THREAD_NICE: WORKER_SETTINGS.PARLEY_CALL_THREAD_NICE }).PARLEY_CALL_THREAD_NICE ??
    DEFAULT_CALL_THREAD_NICE;
  const priority = prioritiseCallThread(asked);
  if (priority.refused) process.stderr.write(`control: stays at nice ${priority.nice}: ${priority.refused}\n`);
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  // the first line says the loop runs (start-up through tsx can take seconds on a loaded machine)
  process.stdout.write('running\n');
  const figures = await runDeadlineLoop({ signal: stop.signal });
  process.stdout.write(`${JSON.stringify({ ...figures, nice: priority.nice })}\n`);
}
