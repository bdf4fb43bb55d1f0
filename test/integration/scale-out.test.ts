import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispose } from '@livekit/rtc-node';
import { startRealtimePeer, type RealtimePeer } from '../../peer/server.js';
import type { Service } from '../../scripts/stack/service.js';
import { CallerBot } from '../harness/caller.js';
import { sleep, until } from '../harness/call-fixture.js';
import { startTestStack, startTestWorker, type TestStack } from '../harness/stack.js';

/**
 * Scale-out on LiveKit's own dispatch: two worker processes, each with room for one call, register
 * under the same agent name. Two calls at once land on different workers; a third is not given to
 * either while both are full (each rejects above capacity and reports itself full).
 */
let stack: TestStack;
let peer: RealtimePeer;
const workers: Service[] = [];
const bots: CallerBot[] = [];
const run = `${process.pid}-${Date.now().toString(36)}`;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startRealtimePeer({ host: '127.0.0.1', port: 0 });
  for (const name of ['a', 'b']) {
    workers.push(
      await startTestWorker(stack, `${peer.url}/v1`, { PARLEY_MAX_JOBS: '1', PARLEY_IDLE_PROCESSES: '1', PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0' }, `worker-scale-${name}`),
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

/** Dispatches the agent into `room` and joins it as a caller (the job waits for one). */
async function call(room: string): Promise<CallerBot> {
  await stack.dispatch.createDispatch(room, 'parley');
  const bot = await CallerBot.join({ url: stack.url, room, identity: `caller-${room}`, apiKey: stack.apiKey, apiSecret: stack.apiSecret });
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
