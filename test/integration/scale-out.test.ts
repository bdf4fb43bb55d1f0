import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispose } from '@livekit/rtc-node';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import type { Service } from '../../stack/service.js';
import type { CallerBot } from '../../callers/webrtc.js';
import { dispatchAndJoin } from '../../callers/dispatch.js';
import { sleep, until } from '../../callers/wait.js';
import { startTestStack, startTestWorker, type TestStack } from '../../stack/test-stack.js';

/**
 * Scale-out on LiveKit's own dispatch: two worker processes, each with room for one call, register
 * under the same agent name. Two calls at once land on different workers; a third is not given to
 * either while both are full (each rejects above capacity and reports itself full).
 *
 * Then the load scale: livekit-server routes a job only to a worker whose reported load is below
 * its target load (0.7 by default) and drops the dispatch otherwise. A worker of four calls with
 * three running must still get the fourth: its load is reported on the server's scale (3/4 of the
 * target), not as a plain fraction (0.75, which the server refuses: the "lost dispatch" seen in
 * soak runs). `PARLEY_SERVER_TARGET_LOAD=1` makes the worker report plain fractions: that test
 * then fails.
 */
let stack: TestStack;
let peer: RealtimeStandin;
const workers: Service[] = [];
const bots: CallerBot[] = [];
const run = `${process.pid}-${Date.now().toString(36)}`;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startRealtimeStandin({ host: '127.0.0.1', port: 0 });
  for (const name of ['a', 'b']) {
    workers.push(
      await startTestWorker(
        stack,
        `${peer.url}/v1`,
        { PARLEY_MAX_JOBS: '1', PARLEY_IDLE_PROCESSES: '1', PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0' },
        `worker-scale-${name}`,
      ),
    );
  }
});

afterAll(async () => {
  for (const b of bots) await b.leave();
  for (const w of workers) await w.stop();
  await peer?.close();
  await stack?.stop();
  await dispose();
});

async function call(room: string): Promise<CallerBot> {
  const bot = await dispatchAndJoin(stack, room);
  bots.push(bot);
  return bot;
}

/** Which worker ran the call in `room`: its job processes log through the worker's log file. */
function workerOf(room: string): string[] {
  return workers.filter((w) => readFileSync(w.logFile, 'utf8').includes(`"room":"${room}"`)).map((w) => w.name);
}

describe('two workers of one job each', () => {
  it('share two calls, and do not take a third while full', async () => {
    const [r1, r2, r3] = ['1', '2', '3'].map((n) => `scale-${run}-${n}`);
    const [b1, b2] = await Promise.all([call(r1!), call(r2!)]);
    await until('agents in both rooms', () => b1.agentIdentity && b2.agentIdentity, 30_000);
    await until('both calls logged', () => workerOf(r1!).length === 1 && workerOf(r2!).length === 1, 10_000);
    expect(new Set([...workerOf(r1!), ...workerOf(r2!)])).toEqual(new Set(['worker-scale-a', 'worker-scale-b']));

    const b3 = await call(r3!);
    await sleep(8000);
    expect(b3.agentIdentity).toBeNull();
    expect(workerOf(r3!)).toEqual([]);
    const participants = await stack.rooms.listParticipants(r3!);
    expect(participants.map((p) => p.identity)).toEqual([`caller-${r3}`]);
  });
});

describe('worker load on livekit-server’s scale', () => {
  beforeAll(async () => {
    for (const b of bots.splice(0)) await b.leave();
    for (const w of workers.splice(0)) await w.stop();
    workers.push(
      await startTestWorker(
        stack,
        `${peer.url}/v1`,
        {
          PARLEY_MAX_JOBS: '4',
          PARLEY_CPU_FULL_AT: '0',
          PARLEY_IDLE_PROCESSES: '1',
          PARLEY_IDLE_NUDGE_MS: '0',
          PARLEY_IDLE_GOODBYE_MS: '0',
        },
        'worker-target-load',
      ),
    );
  });

  it('a worker of four calls with three running is given the fourth', async () => {
    const rooms = ['1', '2', '3', '4'].map((n) => `target-${run}-${n}`);
    const first: CallerBot[] = [];
    for (const r of rooms.slice(0, 3)) first.push(await call(r));
    await until('agents in the first three rooms', () => first.every((b) => b.agentIdentity), 45_000);
    // the worker reports its load every 2.5 s: let the server see three running jobs
    await sleep(3500);
    const fourth = await call(rooms[3]!);
    await until('the agent in the fourth room', () => fourth.agentIdentity, 20_000).catch(() => {});
    expect(fourth.agentIdentity, 'the fourth dispatch was not given to the worker').not.toBeNull();
  }, 120_000);
});
