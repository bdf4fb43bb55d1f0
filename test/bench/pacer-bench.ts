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
 * Last line: one JSON object {"sessions": {"1": {...}, ...}, "naive": {...}, "backpressure": {...}}.
 *
 * With --room (run inside the test namespace: `bash scripts/in-netns.sh npx tsx test/bench/pacer-bench.ts --room`),
 * every AudioSource is also published through a real livekit-server room and a receiving participant
 * counts the gaps (silence inserted or concealed) in what it hears during responses.
 *
 * Usage: tsx test/bench/pacer-bench.ts [--seconds 20] [--sessions 1,10,50] [--variants pacer,backpressure,naive] [--room]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AudioSource } from '@livekit/rtc-node';
import { SOURCE_QUEUE_MS } from '../../agent/pacer/playback.js';
import { startTestStack, type TestStack } from '../harness/stack.js';
import { analyse, type Figures, RATE, RecordingSink, runSession, type Sender } from './pacer-load.js';
import { publishThroughRoom } from './pacer-room.js';

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

const seconds = Number(arg('seconds', '20'));
const sessionCounts = arg('sessions', '1,10,50').split(',').map(Number);
const variants = arg('variants', 'pacer,backpressure,naive').split(',') as Variant[];

interface Row extends Figures {
  loop_p99_ms: number;
  cpu_pct: number;
  /** --room only: gaps heard by the receiving participant during responses. */
  gap_ms?: number;
  gaps?: number;
}

const viaRoom = process.argv.includes('--room');
const stack: TestStack | null = viaRoom ? await startTestStack() : null;

async function runOnce(variant: Variant, sessions: number): Promise<Row> {
  const v = VARIANTS[variant];
  const sources = Array.from({ length: sessions }, () =>
    v.queueMs === undefined ? new AudioSource(RATE, 1) : new AudioSource(RATE, 1, v.queueMs),
  );
  const room = stack ? await publishThroughRoom(stack, `pacer-${variant}-${sessions}`, sources) : null;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const logs = await Promise.all(
    sources.map((src, i) =>
      runSession(new RecordingSink(src), {
        sender: v.sender,
        seconds,
        seed: 1000 * sessions + i,
        // stagger the sessions so their schedules are not in phase
        startDelayMs: sessions > 1 ? (i * 997) % 1000 : 0,
      }),
    ),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  await new Promise((r) => setTimeout(r, room ? 800 : 0)); // the last frames reach the receiver
  const heard = room?.gaps();
  await room?.close();
  for (const s of sources) await s.close();
  return {
    ...analyse(logs),
    ...(heard ? { gap_ms: heard.gap_ms, gaps: heard.gaps } : {}),
    loop_p99_ms: Math.round(loop.percentile(99) / 1e4) / 100,
    cpu_pct: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
  };
}

const results: Record<Variant, Record<string, Row>> = { pacer: {}, backpressure: {}, naive: {} };
const cols = ['variant', 'sessions', 'p50_ms', 'p99_ms', 'p999_ms', 'max_ms', 'underruns', 'frames', 'sink_p50_ms', 'sink_max_ms', 'loop_p99_ms', 'cpu_pct', ...(viaRoom ? ['gaps', 'gap_ms'] : [])];
const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i === 0 ? 12 : 10)).join(' ');
console.log(`pacer bench: ${seconds} s per run, real AudioSources ${viaRoom ? 'published through a real room, heard by a receiving participant' : 'without a room'}; deviation = |hand-off − fitted 20 ms grid|`);
console.log(line(cols));
for (const variant of variants) {
  for (const n of sessionCounts) {
    const row = await runOnce(variant, n);
    results[variant][String(n)] = row;
    console.log(line([variant, n, row.p50_ms, row.p99_ms, row.p999_ms, row.max_ms, row.underruns, row.frames, row.sink_p50_ms, row.sink_max_ms, row.loop_p99_ms, row.cpu_pct, ...(viaRoom ? [row.gaps ?? 0, row.gap_ms ?? 0] : [])]));
  }
}
const pick = (r: Record<string, Row>) =>
  Object.fromEntries(
    Object.entries(r).map(([k, f]) => [k, { p50_ms: f.p50_ms, p99_ms: f.p99_ms, p999_ms: f.p999_ms, underruns: f.underruns, frames: f.frames, max_ms: f.max_ms, sink_p50_ms: f.sink_p50_ms, sink_max_ms: f.sink_max_ms, ...(f.pacer_underruns !== undefined ? { pacer_underruns: f.pacer_underruns } : {}), ...(f.gaps !== undefined ? { gaps: f.gaps, gap_ms: f.gap_ms } : {}) }]),
  );
await stack?.stop();
console.log(JSON.stringify({ sessions: pick(results.pacer), naive: pick(results.naive), backpressure: pick(results.backpressure) }));
process.exit(0);
