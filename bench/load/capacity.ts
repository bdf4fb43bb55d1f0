import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * npm run capacity [-- --steps 1,2,3,4,6,8,10,12,15,20 --duration 40 --all]
 *
 * Calls per worker core: `npm run load -- --pin` (the worker and its jobs on core 0, livekit-server,
 * Redis, the Realtime stand-in and the callers on core 1; the control loop beside the jobs) at more
 * and more rooms, until a goal breaks:
 *   - job pacer lateness p99.9 (the worst job) ≤ 2 × the control's p99.9 in the same run,
 *   - job event-loop delay p99.9 (the worst job) ≤ 5 ms,
 *   - no audible gap in any answer, no error.
 * The capacity is the last N that held them all (`--all` runs the later steps too, to show where
 * each goal breaks; the capacity is still the last N before the first break). It says which core was nearer full when the goal
 * broke (the worker's: our cost; the other: the test's own parts), and per call the worker side's
 * CPU (% of a core) and RSS. Table first, JSON last:
 * `{"calls_per_worker_core", "cpu_pct_per_call", "rss_mb_per_job", "rss_mb_total", "saturated_first", "steps"}`.
 */
interface LoadKeys {
  rooms: number;
  errors: number;
  pacer_p999_ms: number | null;
  eventloop_p999_ms: number | null;
  control_p999_ms: number;
  audible_gaps: number;
  cpu_pct_per_call: number;
  rss_mb_per_job: number | null;
  rss_mb_total: number | null;
  core_busy_pct: number[];
  turn_p50_ms: number | null;
  /** The caller's audio in the jobs' own jitter buffers: the worst job's worst second, the median job's median (not a goal: what the caller's wait to be heard was). */
  jitter_buffer_max_ms?: number | null;
  jitter_buffer_p50_ms_median_job?: number | null;
}

interface Step extends LoadKeys {
  held: boolean;
  broken: string[];
}

/** Which goals a run broke (none: it held). */
export function brokenGoals(k: LoadKeys): string[] {
  const broken: string[] = [];
  if (k.errors > 0) broken.push(`${k.errors} errors`);
  if (k.pacer_p999_ms === null || k.pacer_p999_ms > 2 * k.control_p999_ms)
    broken.push(`pacer p99.9 ${k.pacer_p999_ms} ms > 2 × control ${k.control_p999_ms} ms`);
  if (k.eventloop_p999_ms === null || k.eventloop_p999_ms > 5) broken.push(`event loop p99.9 ${k.eventloop_p999_ms} ms > 5 ms`);
  if (k.audible_gaps > 0) broken.push(`${k.audible_gaps} audible gaps`);
  return broken;
}

function runLoad(rooms: number, a: { duration: string; 'baseline-s': string }): Promise<LoadKeys> {
  const script = fileURLToPath(new URL('./main.ts', import.meta.url));
  const args = [
    '--import',
    'tsx',
    script,
    '--pin',
    '--no-cold-warm',
    '--rooms',
    String(rooms),
    '--duration',
    a.duration,
    '--baseline-s',
    a['baseline-s'],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.once('exit', () => {
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as LoadKeys);
      } catch {
        reject(new Error(`the load run of ${rooms} rooms printed no figures`));
      }
    });
  });
}

if (process.argv[1]?.endsWith('capacity.ts')) {
  const { values: a } = parseArgs({
    options: {
      steps: { type: 'string', default: '1,2,3,4,6,8,10,12,15,20' },
      duration: { type: 'string', default: '40' },
      'baseline-s': { type: 'string', default: '10' },
      all: { type: 'boolean', default: false },
    },
  });
  const steps = a.steps.split(',').map(Number);
  if (!steps.every((n) => Number.isInteger(n) && n >= 1)) throw new Error(`--steps must be whole numbers ≥ 1: ${a.steps}`);
  const done: Step[] = [];
  for (const n of steps) {
    console.log(`\n=== capacity sweep: ${n} rooms, worker pinned to core 0 ===`);
    const k = await runLoad(n, a);
    const broken = brokenGoals(k);
    done.push({ ...k, held: broken.length === 0, broken });
    if (broken.length && !a.all) break;
  }
  const breaking = done.find((s) => !s.held) ?? null;
  // the steps before the first break (with --all, a later step may hold again: it does not count)
  const held = done.slice(0, breaking ? done.indexOf(breaking) : done.length);
  const best = held.at(-1) ?? null;
  // the core nearer full when the goal broke: [worker core, the other]
  const [workerCore = 0, otherCore = 0] = breaking?.core_busy_pct ?? [];
  const saturated = !breaking
    ? 'none (every step held)'
    : Math.max(workerCore, otherCore) < 90
      ? 'neither core was full'
      : workerCore >= otherCore
        ? 'worker'
        : 'rest';
  console.log('\nCapacity per worker core (worker and jobs on core 0; the rest on core 1)');
  console.log(
    '| rooms | held | pacer p99.9 / control p99.9 ms | event loop p99.9 ms | audible gaps | core 0 / core 1 busy % | CPU per call % | RSS per job / total MB | turn p50 ms | caller audio in the jitter buffer, worst / median ms | broke |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of done) {
    console.log(
      `| ${s.rooms} | ${s.held ? 'yes' : 'no'} | ${s.pacer_p999_ms} / ${s.control_p999_ms} | ${s.eventloop_p999_ms} | ${s.audible_gaps} | ${s.core_busy_pct.join(' / ')} | ${s.cpu_pct_per_call} | ${s.rss_mb_per_job} / ${s.rss_mb_total} | ${s.turn_p50_ms} | ${s.jitter_buffer_max_ms ?? '–'} / ${s.jitter_buffer_p50_ms_median_job ?? '–'} | ${s.broken.join('; ') || '–'} |`,
    );
  }
  const ref = best ?? breaking;
  console.log(
    JSON.stringify({
      calls_per_worker_core: best?.rooms ?? 0,
      cpu_pct_per_call: ref?.cpu_pct_per_call ?? null,
      rss_mb_per_job: ref?.rss_mb_per_job ?? null,
      rss_mb_total: ref?.rss_mb_total ?? null,
      saturated_first: saturated,
      broke_at: breaking ? { rooms: breaking.rooms, goals: breaking.broken } : null,
      steps: done.map((s) => ({
        rooms: s.rooms,
        held: s.held,
        pacer_p999_ms: s.pacer_p999_ms,
        control_p999_ms: s.control_p999_ms,
        eventloop_p999_ms: s.eventloop_p999_ms,
        audible_gaps: s.audible_gaps,
        core_busy_pct: s.core_busy_pct,
        cpu_pct_per_call: s.cpu_pct_per_call,
        jitter_buffer_max_ms: s.jitter_buffer_max_ms ?? null,
      })),
    }),
  );
}
