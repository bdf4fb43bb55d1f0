/**
 * One child process of the pacer bench's room mode (`pacer-bench.ts --room`). Production runs one
 * call per job process; a bench that put 50 publishers and their receiver into one process measured
 * that process's contention (and could not even connect them all), not the pacer. So the bench
 * forks shards:
 *   publish — a slice of the sessions: one AudioSource and one participant each, paced by the
 *             sender under test once the parent says `go`; sends back the hand-off logs.
 *   listen  — a receiving participant in the same room, in its own process, that judges what
 *             arrived for gaps when the parent says `stop`.
 * Protocol (IPC): child → parent {type: 'joined'} when connected (listen: also every track
 * subscribed), then {type: 'result', ...}; parent → child {type: 'go'} / {type: 'stop'}.
 */
import { EventEmitter, once } from 'node:events';
import { dispose } from '@livekit/rtc-node';
import { audioSource, type Sender, runMeasuredSessions, type SessionLog } from './pacer-load.js';
import { listen, publishSources, type HeardGaps, type RoomTarget } from './pacer-room.js';

export interface PublishShard {
  role: 'publish';
  target: RoomTarget;
  room: string;
  prefix: string;
  sender: Sender;
  /** AudioSource queue, ms; undefined: rtc-node's default (1 s). */
  queueMs?: number;
  seconds: number;
  sessions: { seed: number; startDelayMs: number }[];
}

export interface ListenShard {
  role: 'listen';
  target: RoomTarget;
  room: string;
  /** Tracks to be subscribed before reporting `joined`. */
  tracks: number;
}

export type ShardSpec = PublishShard | ListenShard;

export interface PublishResult {
  type: 'result';
  logs: SessionLog[];
  loop_p99_ms: number;
  /** CPU of this process over the run, % of one core. */
  cpu_pct: number;
}

export interface PublishJoined {
  type: 'joined';
  /** CPU of this process with its tracks published and nothing paced yet, % of one core. */
  idle_cpu_pct: number;
}

export interface ListenResult {
  type: 'result';
  gaps: HeardGaps;
}

const IDLE_PROBE_MS = 2000;

/** Resolves once the message is handed to the IPC channel, so exiting right after loses nothing. */
const send = (msg: object) => new Promise<void>((resolve) => process.send!(msg, undefined, undefined, () => resolve()));
/** Commands from the parent, kept from the start so one sent before we wait for it is not missed. */
const received = new Set<string>();
const arrived = new EventEmitter();
process.on('message', (msg: { type: string }) => {
  received.add(msg.type);
  arrived.emit(msg.type);
});
const command = (type: string) => (received.has(type) ? Promise.resolve() : once(arrived, type).then(() => {}));

async function publish(spec: PublishShard): Promise<PublishResult> {
  const sources = spec.sessions.map(() => audioSource(spec.queueMs));
  const rooms = await publishSources(spec.target, spec.room, sources, spec.prefix);
  // what the published tracks cost before any audio is paced: the floor under every figure below
  const idle0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, IDLE_PROBE_MS));
  const idle = process.cpuUsage(idle0);
  await send({ type: 'joined', idle_cpu_pct: Math.round(((idle.user + idle.system) / 1000 / IDLE_PROBE_MS) * 1000) / 10 });
  await command('go');
  const run = await runMeasuredSessions(sources, (i) => ({ sender: spec.sender, seconds: spec.seconds, ...spec.sessions[i]! }));
  // keep the participants connected until the receiver has judged the tail
  await new Promise((r) => setTimeout(r, 800));
  for (const r of rooms) await r.disconnect().catch(() => {});
  for (const s of sources) await s.close();
  return { type: 'result', ...run };
}

async function listenShard(spec: ListenShard): Promise<ListenResult> {
  const heard = await listen(spec.target, spec.room);
  const deadline = Date.now() + 60_000;
  while (heard.tracks < spec.tracks && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (heard.tracks < spec.tracks) throw new Error(`receiver subscribed to ${heard.tracks} of ${spec.tracks} tracks in ${spec.room}`);
  await send({ type: 'joined' });
  await command('stop');
  const gaps = heard.gaps();
  await heard.close();
  return { type: 'result', gaps };
}

const spec = JSON.parse(process.argv[2]!) as ShardSpec;
try {
  await send(spec.role === 'publish' ? await publish(spec) : await listenShard(spec));
  await dispose();
  process.exit(0);
} catch (err) {
  await send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
