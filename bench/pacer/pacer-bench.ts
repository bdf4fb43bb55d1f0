/**
 * Pacer benchmark: N concurrent sessions (1, 10, 50), each a bursty faster-than-real-time source,
 * into REAL rtc-node AudioSources (not published to a room: the native queue drains in real time
 * without one, see pacer-probe.ts). Measures the hand-off cadence into the AudioSource against the
 * 20 ms grid, audible gaps and frames, for:
 *   pacer        — agent/pacer (our deadline clock) into AudioSource(24k, 1, 60 ms)
 *   backpressure — no pacer, frames captured as they arrive into AudioSource(24k, 1, 60 ms):
 *                  the rhythm is the native queue's back-pressure (the alternative design)
 *   naive        — no pacer, frames captured as they arrive into AudioSource(24k, 1) with the
 *                  default 1000 ms queue (the out-of-the-box setup)
 *   timer        — a bare 20 ms timer loop, no audio: the machine's own wake-up jitter, the floor
 * Last line: one JSON object {"sessions": {"1": {...}, ...}, "naive": {...}, "backpressure": {...}, "timer_floor": {...}}.
 *
 * With --room (run inside the test namespace: `bash scripts/in-netns.sh npx tsx bench/pacer/pacer-bench.ts --room`),
 * every AudioSource is also published through a real livekit-server room, as its own participant,
 * from child processes of --per-process sessions each (pacer-shard.ts); a receiving participant per
 * group, in a process of its own, counts the gaps (silence inserted or concealed) in what it hears
 * during responses.
 *
 * Run length: --seconds is the least; a run with few sessions lasts long enough to hand off about
 * --min-frames response frames in all (default 3000). A p99.9 over fewer than ~1000 frames is simply
 * the worst frame (at 20 s one session hands off ~890), so the 1-session figure would be the max.
 *
 * Usage: tsx bench/pacer/pacer-bench.ts [--seconds 20] [--min-frames 3000] [--sessions 1,10,50]
 *                                      [--variants pacer,backpressure,naive] [--room [--per-process 10]]
 */
import { SOURCE_QUEUE_MS } from '../../agent/pacer/playback.js';
import { startTestStack, type TestStack } from '../../stack/test-stack.js';
import { analyse, audioSource, type Figures, runMeasuredSessions, type Sender, timerFloor } from './pacer-load.js';
import type { RoomTarget } from './pacer-room.js';
import { runThroughRoom } from './pacer-shards.js';

type Variant = 'pacer' | 'backpressure' | 'naive';
const VARIANTS: Record<Variant, { sender: Sender; queueMs: number | undefined }> = {
  pacer: { sender: 'pacer', queueMs: SOURCE_QUEUE_MS },
  backpressure: { sender: 'naive', queueMs: SOURCE_QUEUE_MS },
  naive: { sender: 'naive', queueMs: undefined },
};

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

const minSeconds = Number(arg('seconds', '20'));
const minFrames = Number(arg('min-frames', '3000'));
/** Share of a session's time its responses are playing (pauses between responses hand off nothing); measured ~0.89. */
const RESPONSE_DUTY = 0.85;
/** Seconds a run of n sessions lasts: at least --seconds, and long enough for --min-frames frames in all. */
const secondsFor = (sessions: number) => Math.max(minSeconds, Math.ceil((minFrames * 0.02) / (sessions * RESPONSE_DUTY)));
const sessionCounts = arg('sessions', '1,10,50').split(',').map(Number);
const variants = arg('variants', 'pacer,backpressure,naive').split(',') as Variant[];
const perProcess = Number(arg('per-process', '10'));

interface Row extends Figures {
  loop_p99_ms: number;
  cpu_pct: number;
  /** --room only: gaps heard by the receiving participant during responses. */
  gap_ms?: number;
  gaps?: number;
  /** --room only: processes the sessions and their receivers ran in. */
  processes?: number;
  /** --room only: CPU of the publishing processes with every track published, before any pacing. */
  idle_cpu_pct?: number;
  /** --room only: the whole machine's CPU while the sessions ran (100 % = every core busy). */
  machine_cpu_pct?: number;
}

const viaRoom = process.argv.includes('--room');
const stack: TestStack | null = viaRoom ? await startTestStack() : null;

async function runInProcess(variant: Variant, sessions: number): Promise<Row> {
  const v = VARIANTS[variant];
  const seconds = secondsFor(sessions);
  const sources = Array.from({ length: sessions }, () => audioSource(v.queueMs));
  const run = await runMeasuredSessions(sources, (i) => ({
    sender: v.sender,
    seconds,
    seed: 1000 * sessions + i,
    // stagger the sessions so their schedules are not in phase
    startDelayMs: sessions > 1 ? (i * 997) % 1000 : 0,
  }));
  for (const s of sources) await s.close();
  return { ...analyse(run.logs), loop_p99_ms: run.loop_p99_ms, cpu_pct: run.cpu_pct };
}

async function runInRoom(target: RoomTarget, variant: Variant, sessions: number): Promise<Row> {
  const v = VARIANTS[variant];
  const run = await runThroughRoom(target, {
    name: `pacer-${variant}-${sessions}-${Date.now().toString(36)}`,
    sender: v.sender,
    queueMs: v.queueMs,
    sessions,
    seconds: secondsFor(sessions),
    perProcess,
    seedBase: 1000 * sessions,
  });
  return {
    ...analyse(run.logs),
    gap_ms: run.gaps.gap_ms,
    gaps: run.gaps.gaps,
    loop_p99_ms: run.loop_p99_ms,
    cpu_pct: run.cpu_pct,
    processes: run.processes,
    idle_cpu_pct: run.idle_cpu_pct,
    machine_cpu_pct: run.machine_cpu_pct,
  };
}

const runOnce = (variant: Variant, sessions: number) => (stack ? runInRoom(stack, variant, sessions) : runInProcess(variant, sessions));

/** A run that could not be made (in --room: sessions that could not all connect) is a row too. */
type Outcome = Row | { error: string };
const results: Record<Variant, Record<string, Outcome>> = { pacer: {}, backpressure: {}, naive: {} };
const cols = [
  'variant',
  'sessions',
  'p50_ms',
  'p99_ms',
  'p999_ms',
  'max_ms',
  'underruns',
  'frames',
  'sink_p50_ms',
  'sink_max_ms',
  'loop_p99_ms',
  'cpu_pct',
  'late>1ms',
  'in_gc',
  ...(viaRoom ? ['idle_cpu', 'machine_cpu', 'gaps', 'gap_ms', 'processes'] : []),
];
const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i === 0 ? 12 : 10)).join(' ');
console.log(
  `pacer bench: ${minSeconds} s per run at least (longer with few sessions, for ≥ ${minFrames} frames), real AudioSources ${viaRoom ? `published through a real room, ${perProcess} sessions per process, each group heard by a receiving participant in its own process` : 'without a room, all sessions in this process'}; deviation = |hand-off − fitted 20 ms grid|`,
);
if (viaRoom)
  console.log(
    'idle_cpu / cpu_pct: CPU of the publishing processes (% of one core) with the tracks published and idle, and while pacing; machine_cpu: all cores (100 = saturated)',
  );
console.log(line(cols));
// what the machine gives a bare timer, for as long as the 1-session run lasts: the floor under every row
const floor = await timerFloor(secondsFor(1));
console.log(
  `${line(['timer', 1, floor.p50_ms, floor.p99_ms, floor.p999_ms, floor.max_ms, '-', floor.frames])}  (a bare 20 ms timer loop in this process: the machine's own wake-up jitter)`,
);
for (const variant of variants) {
  for (const n of sessionCounts) {
    const row: Outcome = await runOnce(variant, n).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
    results[variant][String(n)] = row;
    if ('error' in row) {
      console.log(`${line([variant, n])}  could not run: ${row.error}`);
      continue;
    }
    console.log(
      line([
        variant,
        n,
        row.p50_ms,
        row.p99_ms,
        row.p999_ms,
        row.max_ms,
        row.underruns,
        row.frames,
        row.sink_p50_ms,
        row.sink_max_ms,
        row.loop_p99_ms,
        row.cpu_pct,
        row.late_frames,
        row.late_in_gc,
        ...(viaRoom ? [row.idle_cpu_pct ?? 0, row.machine_cpu_pct ?? 0, row.gaps ?? 0, row.gap_ms ?? 0, row.processes ?? 0] : []),
      ]),
    );
  }
}
const pick = (r: Record<string, Outcome>) =>
  Object.fromEntries(
    Object.entries(r).map(([k, f]) => [
      k,
      'error' in f
        ? { error: f.error }
        : {
            p50_ms: f.p50_ms,
            p99_ms: f.p99_ms,
            p999_ms: f.p999_ms,
            underruns: f.underruns,
            frames: f.frames,
            max_ms: f.max_ms,
            sink_p50_ms: f.sink_p50_ms,
            sink_max_ms: f.sink_max_ms,
            ...(f.pacer_underruns !== undefined ? { pacer_underruns: f.pacer_underruns } : {}),
            ...(f.gaps !== undefined
              ? { gaps: f.gaps, gap_ms: f.gap_ms, cpu_pct: f.cpu_pct, idle_cpu_pct: f.idle_cpu_pct, machine_cpu_pct: f.machine_cpu_pct }
              : {}),
            late_frames: f.late_frames,
            late_in_gc: f.late_in_gc,
          },
    ]),
  );
await stack?.stop();
console.log(
  JSON.stringify({
    sessions: pick(results.pacer),
    naive: pick(results.naive),
    backpressure: pick(results.backpressure),
    timer_floor: floor,
  }),
);
process.exit(0);
