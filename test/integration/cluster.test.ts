import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { SipClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmsOf } from '../../agent/audio/pcm.js';
import { SPEECH_RMS } from '../../callers/heard.js';
import { placeSipCall } from '../../callers/sip.js';
import { sleep, until } from '../../callers/wait.js';
import { CallerBot } from '../../callers/webrtc.js';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import { provisionSip } from '../../sip/provision.js';
import { speak, speakPhoneWav } from '../../speech/clips.js';
import { startClusterStack, type ClusterNode, type ClusterStack } from '../../stack/cluster-stack.js';
import type { Service } from '../../stack/service.js';
import { startSip } from '../../stack/sip.js';
import { ROOT, startTestWorker } from '../../stack/test-stack.js';
import { jobsOfRoom, type JobOutcome } from '../support/job-states.js';

/**
 * Parley on LiveKit's distributed mode: two livekit-server nodes on one Redis (each its own
 * address and ports), LiveKit SIP on the cluster, and one worker registered with each node.
 * Rooms created through either node, with their callers signalling through the other, get the
 * agent and are answered, on both nodes and by both workers; a phone call through SIP is answered
 * too. Then a worker is stopped as a deployment stops one (SIGTERM): it drains — its call goes on
 * and ends as succeeded when the caller hangs up, new calls go to the other worker — and exits.
 */
const CALLER_IP = process.env.PARLEY_PEER_IP ?? '10.77.0.2';
const NUMBER = '+15550199';
let cluster: ClusterStack;
let peer: RealtimeStandin;
let sip: Service;
const workers: Service[] = [];
const bots: CallerBot[] = [];
let question: Int16Array;
let utterance: string;
const run = `${process.pid}-${Date.now().toString(36)}`;

beforeAll(async () => {
  cluster = await startClusterStack();
  const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
  peer = await startRealtimeStandin({ host: '127.0.0.1', port: 0 });
  peer.setScript({ reply: () => 'Sure, here is the answer.' });
  // three calls a worker: with one worker left it holds the call drained to it and two more
  // SIP reaches the cluster through node b's signalling and Redis's bus, whatever node a call's room is on
  sip = await startSip(ROOT, { wsUrl: b.url, redisPort: cluster.redisPort, ip: process.env.PARLEY_NODE_IP! });
  for (const node of [a, b]) {
    workers.push(
      await startTestWorker(
        node,
        `${peer.url}/v1`,
        { PARLEY_MAX_JOBS: '3', PARLEY_IDLE_PROCESSES: '1', PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0' },
        `worker-cluster-${node.name}`,
      ),
    );
  }
  question = await speak('What time is it?');
  utterance = join(mkdtempSync(join(tmpdir(), 'parley-utt-')), 'utterance.wav');
  await speakPhoneWav('Hello, what is the weather like today?', utterance);
});

afterAll(async () => {
  for (const bot of bots) await bot.leave();
  for (const w of workers) await w.stop();
  await sip?.stop();
  await peer?.close();
  await cluster?.stop();
  await dispose();
  if (utterance) rmSync(dirname(utterance), { recursive: true, force: true });
});

/** Dispatch through `via`, and the caller joins through `joinVia` (the other node bridges its signalling). */
async function call(room: string, via: ClusterNode, joinVia: ClusterNode): Promise<CallerBot> {
  await via.dispatch.createDispatch(room, 'parley');
  const bot = await CallerBot.join({ url: joinVia.url, room, identity: `caller-${room}`, apiKey: via.apiKey, apiSecret: via.apiSecret });
  bots.push(bot);
  await until(`the agent in ${room}`, () => bot.agentIdentity, 30_000);
  return bot;
}

async function answered(bot: CallerBot): Promise<void> {
  const asked = await bot.say(question);
  await until('the answer', () => bot.firstSoundAfter(asked, SPEECH_RMS), 20_000);
}

async function hangUp(bot: CallerBot): Promise<void> {
  bots.splice(bots.indexOf(bot), 1);
  await bot.leave();
}

/** Which worker ran the call in `room`: its job processes log through the worker's log file. */
function workerOf(room: string): string[] {
  return workers.filter((w) => readFileSync(w.logFile, 'utf8').includes(`"room":"${room}"`)).map((w) => w.name);
}

/** The jobs of `room` as the cluster recorded them: each node logs the jobs of the workers connected to it. */
function jobsOf(room: string): JobOutcome[] {
  return cluster.nodes.flatMap((n) => jobsOfRoom(n.livekitLog, room));
}

const ended = (room: string) =>
  until(
    `the job of ${room} to end`,
    () => {
      const jobs = jobsOf(room);
      return jobs.length > 0 && jobs.every((j) => j.status !== null) && jobs;
    },
    20_000,
  );

describe('a two-node LiveKit cluster', () => {
  it('WebRTC: rooms made through either node are answered, on both nodes, by both workers, and end as succeeded', async () => {
    const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    const rooms = ['1', '2', '3', '4'].map((n) => `cluster-${run}-${n}`);
    const placed: { room: string; bot: CallerBot }[] = [];
    for (const [i, room] of rooms.entries()) {
      const [via, joinVia] = i % 2 === 0 ? [a, b] : [b, a];
      const bot = await call(room, via, joinVia);
      await answered(bot);
      placed.push({ room, bot });
      // the nodes report their rooms and the workers their load every few seconds: the next room
      // and job are placed on what the cluster knows by then
      await sleep(3000);
    }
    const hosts = await Promise.all(rooms.map(async (r) => (await cluster.nodeOf(r))?.name ?? 'none'));
    const ran = rooms.map((r) => workerOf(r).join('+'));
    console.log(`cluster: rooms on ${hosts.join(', ')}; jobs on ${ran.join(', ')}`);
    expect(new Set(hosts)).toEqual(new Set(['node-a', 'node-b']));
    expect(new Set(ran)).toEqual(new Set(workers.map((w) => w.name)));

    for (const { bot } of placed) await hangUp(bot);
    for (const room of rooms) expect(await ended(room)).toEqual([{ jobId: expect.any(String), status: 'JS_SUCCESS', error: null }]);
  }, 180_000);

  it('SIP: a phone call through LiveKit SIP on the cluster is answered', async () => {
    const [a] = cluster.nodes as [ClusterNode];
    const sipClient = new SipClient(a.httpUrl, a.apiKey, a.apiSecret);
    await provisionSip(sipClient, {
      trunkName: 'parley-cluster',
      numbers: [NUMBER],
      allowedAddresses: [`${CALLER_IP}/32`],
      ruleName: 'parley-cluster',
      roomPrefix: `cluster-call-${run}-`,
      agentName: 'parley',
    });
    // the calls before this one just ended: a worker's report of its load (every 2.5 s) says
    // full until then, and livekit-server drops a dispatch no worker can take
    await sleep(3000);
    const res = await placeSipCall({
      target: `${process.env.PARLEY_NODE_IP}:5060`,
      from: CALLER_IP,
      number: NUMBER,
      utterance,
      holdMs: 12_000,
    });
    expect(res.exitCode, res.messages.slice(-2000)).toBe(0);
    let loud = 0;
    for (let i = 0; i + 160 <= res.heard.length; i += 160) if (rmsOf(res.heard.subarray(i, i + 160)) > 500) loud++;
    expect(loud * 20, 'ms of speech the phone caller heard').toBeGreaterThan(600);
  }, 120_000);

  it('a worker stopped mid-call drains: its call goes on and ends as succeeded, new calls go to the other worker', async () => {
    const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    const first = `cluster-${run}-drain-1`;
    const bot = await call(first, a, a);
    await answered(bot);
    const [ranBy] = workerOf(first);
    const leaving = workers.find((w) => w.name === ranBy)!;
    const staying = workers.find((w) => w !== leaving)!;
    // what an orchestrator sends: the worker process only, not its job processes
    process.kill(leaving.pid, 'SIGTERM');
    // the worker tells the server it takes no more jobs (it still has room for one more)
    await sleep(1500);

    const second = `cluster-${run}-drain-2`;
    const other = await call(second, b, b);
    await answered(other);
    expect(workerOf(second)).toEqual([staying.name]);

    // the draining worker's own call is still served
    await answered(bot);
    expect(leaving.child.exitCode, 'the draining worker exited with its call still on').toBeNull();
    const hungUpAt = Date.now();
    await hangUp(bot);
    expect(await ended(first)).toEqual([{ jobId: expect.any(String), status: 'JS_SUCCESS', error: null }]);
    // and once it has no call left, it exits
    const code = await Promise.race([leaving.exited, sleep(15_000).then(() => 'still running')]);
    expect(code).not.toBe('still running');
    console.log(`cluster: the drained worker exited ${Date.now() - hungUpAt} ms after its last caller hung up (code ${code})`);

    // with one worker left, calls on either node are its own: rooms are placed on both nodes still
    // (by room count), and the job of a room on the other node is routed to it over Redis
    const later: { room: string; bot: CallerBot }[] = [];
    for (const [i, via] of [a, b].entries()) {
      const room = `cluster-${run}-drain-${3 + i}`;
      const bot3 = await call(room, via, via === a ? b : a);
      await answered(bot3);
      expect(workerOf(room)).toEqual([staying.name]);
      later.push({ room, bot: bot3 });
      await sleep(3000);
    }
    const hosts = await Promise.all(later.map(async ({ room }) => (await cluster.nodeOf(room))?.name));
    console.log(`cluster, one worker left (${staying.name}): rooms on ${hosts.join(', ')}`);
    expect(new Set(hosts)).toEqual(new Set(['node-a', 'node-b']));
    await hangUp(other);
    for (const { bot: b3 } of later) await hangUp(b3);
  }, 150_000);
});
