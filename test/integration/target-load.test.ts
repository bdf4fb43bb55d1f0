import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispose } from '@livekit/rtc-node';
import { startRealtimePeer, type RealtimePeer } from '../../peer/server.js';
import type { Service } from '../../scripts/stack/service.js';
import { CallerBot } from '../harness/caller.js';
import { sleep, until } from '../harness/call-fixture.js';
import { startTestStack, startTestWorker, type TestStack } from '../harness/stack.js';

/**
 * livekit-server routes a job only to a worker whose reported load is below its target load (0.7
 * by default) and drops the dispatch otherwise. A worker of four calls with three running must
 * still get the fourth: its load is reported on the server's scale (3/4 of the target), not as a
 * plain fraction (0.75, which the server refuses: the "lost dispatch" seen in soak runs).
 * `PARLEY_SERVER_TARGET_LOAD=1` makes the worker report plain fractions again: this test then fails.
 */
let stack: TestStack;
let peer: RealtimePeer;
let worker: Service;
const bots: CallerBot[] = [];
const run = `${process.pid}-${Date.now().toString(36)}`;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startRealtimePeer({ host: '127.0.0.1', port: 0 });
  worker = await startTestWorker(
    stack,
    `${peer.url}/v1`,
    { PARLEY_MAX_JOBS: '4', PARLEY_CPU_FULL_AT: '0', PARLEY_IDLE_PROCESSES: '1', PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0' },
    'worker-target-load',
  );
});

afterAll(async () => {
  for (const b of bots) await b.leave();
  await worker?.stop();
  await peer?.close();
  await stack?.stop();
  await dispose();
});

async function call(room: string): Promise<CallerBot> {
  await stack.dispatch.createDispatch(room, 'parley');
  const bot = await CallerBot.join({ url: stack.url, room, identity: `caller-${room}`, apiKey: stack.apiKey, apiSecret: stack.apiSecret });
  bots.push(bot);
  return bot;
}

describe('worker load on livekit-server’s scale', () => {
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
