import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpuBusyMeter } from '../../agent/cpu.js';
import type { Sender, SessionLog } from './pacer-load.js';
import type { HeardGaps, RoomTarget } from './pacer-room.js';
import type { ListenResult, PublishJoined, PublishResult, ShardSpec } from './pacer-shard.js';

const SHARD_ENTRY = new URL('./pacer-shard.ts', import.meta.url).pathname;

export interface RoomRun {
  logs: SessionLog[];
  /** Worst publishing process's event-loop p99, ms. */
  loop_p99_ms: number;
  /** CPU of all publishing processes together, % of one core. */
  cpu_pct: number;
  gaps: HeardGaps;
  processes: number;
  /** CPU of all publishing processes with every track published and nothing paced yet, % of one core. */
  idle_cpu_pct: number;
  /** The whole machine's CPU while the sessions ran (all cores: 100 % is saturated). */
  machine_cpu_pct: number;
}

interface Shard {
  child: ChildProcess;
  /** Messages in arrival order, consumed by `next`. */
  inbox: { type: string }[];
  wake: () => void;
}

function start(spec: ShardSpec): Shard {
  const child = fork(SHARD_ENTRY, [JSON.stringify(spec)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const shard: Shard = { child, inbox: [], wake: () => {} };
  child.on('message', (m: { type: string }) => {
    shard.inbox.push(m);
    shard.wake();
  });
  child.on('exit', () => shard.wake());
  return shard;
}

/** The shard's next message of `type`; an error message, an exit or the timeout rejects. */
async function next<T>(s: Shard, type: string, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = s.inbox.findIndex((m) => m.type === type || m.type === 'error');
    if (i >= 0) {
      const [m] = s.inbox.splice(i, 1);
      if (m!.type === 'error') throw new Error(`${what}: ${(m as unknown as { message: string }).message}`);
      return m as T;
    }
    if (s.child.exitCode !== null || s.child.signalCode !== null)
      throw new Error(`${what} exited (${s.child.exitCode ?? s.child.signalCode}) before '${type}'`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${what}: no '${type}' within ${timeoutMs} ms`);
    await new Promise<void>((r) => {
      const t = setTimeout(r, left);
      s.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }
}

/**
 * Runs `sessions` paced sessions through a real room, `perProcess` to a publishing process, each
 * group heard by a receiver in a process of its own (one room per group). All groups start on the
 * same `go`, so the load is simultaneous.
 */
export async function runThroughRoom(
  target: RoomTarget,
  o: { name: string; sender: Sender; queueMs: number | undefined; sessions: number; seconds: number; perProcess: number; seedBase: number },
): Promise<RoomRun> {
  const groups = Math.ceil(o.sessions / o.perProcess);
  const publishers: Shard[] = [];
  const listeners: Shard[] = [];
  let idleCpu = 0;
  try {
    for (let g = 0; g < groups; g++) {
      const room = `${o.name}-g${g}`;
      const ids = Array.from({ length: Math.min(o.perProcess, o.sessions - g * o.perProcess) }, (_, k) => g * o.perProcess + k);
      listeners.push(start({ role: 'listen', target, room, tracks: ids.length }));
      publishers.push(
        start({
          role: 'publish',
          target,
          room,
          prefix: `pub-${g}`,
          sender: o.sender,
          queueMs: o.queueMs,
          seconds: o.seconds,
          // staggered so the sessions' schedules are not in phase
          sessions: ids.map((i) => ({ seed: o.seedBase + i, startDelayMs: o.sessions > 1 ? (i * 997) % 1000 : 0 })),
        }),
      );
      // groups connect one after another: dozens of simultaneous ICE handshakes is a connect-storm
      // test, not this bench
      const [joined] = await Promise.all([
        next<PublishJoined>(publishers[g]!, 'joined', 120_000, `publisher ${g}`),
        next(listeners[g]!, 'joined', 120_000, `listener ${g}`),
      ]);
      idleCpu += joined.idle_cpu_pct;
    }
    const machine = cpuBusyMeter();
    for (const p of publishers) p.child.send({ type: 'go' });
    const results = await Promise.all(
      publishers.map((p, g) => next<PublishResult>(p, 'result', (o.seconds + 60) * 1000, `publisher ${g}`)),
    );
    const machineCpu = machine();
    for (const l of listeners) l.child.send({ type: 'stop' });
    const heard = await Promise.all(listeners.map((l, g) => next<ListenResult>(l, 'result', 30_000, `listener ${g}`)));
    const gaps: HeardGaps = { gap_ms: 0, gaps: 0, received_ms: 0, tracks: 0 };
    for (const h of heard) for (const k of Object.keys(gaps) as (keyof HeardGaps)[]) gaps[k] += h.gaps[k];
    return {
      logs: results.flatMap((r) => r.logs),
      loop_p99_ms: Math.max(...results.map((r) => r.loop_p99_ms)),
      cpu_pct: Math.round(results.reduce((a, r) => a + r.cpu_pct, 0) * 10) / 10,
      gaps,
      processes: publishers.length + listeners.length,
      idle_cpu_pct: Math.round(idleCpu * 10) / 10,
      machine_cpu_pct: Math.round(machineCpu * 1000) / 10,
    };
  } finally {
    for (const s of [...publishers, ...listeners]) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGTERM');
        await Promise.race([once(s.child, 'exit'), new Promise((r) => setTimeout(r, 3000))]);
        s.child.kill('SIGKILL');
      }
    }
  }
}
