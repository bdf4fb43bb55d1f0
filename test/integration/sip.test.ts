import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { Redis } from 'ioredis';
import { SipClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TURN_STREAM } from '../../agent/metrics/recorder.js';
import type { TurnRecord } from '../../agent/metrics/record.js';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import { startSip } from '../../stack/sip.js';
import type { Service } from '../../stack/service.js';
import { provisionSip, type SipProvisionOptions } from '../../sip/provision.js';
import { rmsOf } from '../../agent/audio/pcm.js';
import { placeSipCall, type SipCallOptions } from '../../callers/sip.js';
import { speakPhoneWav } from '../../speech/clips.js';
import { ROOT, startTestStack, startTestWorker, type TestStack } from '../../stack/test-stack.js';

/**
 * The phone path on real parts: LiveKit SIP in the test namespace, a trunk and dispatch rule made by
 * sip/provision.ts, and sipp (a real SIP user agent) as the caller from the namespace's second
 * address, speaking G.711 μ-law. What the caller heard is captured off the wire and decoded.
 */
const NUMBER = '+15550100';
const CALLER_IP = process.env.PARLEY_PEER_IP ?? '10.77.0.2';
let stack: TestStack;
let sip: Service;
let peer: RealtimeStandin;
let worker: Service;
let sipClient: SipClient;
let utterance: string;
const trunk = (over: Partial<SipProvisionOptions> = {}): SipProvisionOptions => ({
  trunkName: 'parley-test',
  numbers: [NUMBER],
  allowedAddresses: [`${CALLER_IP}/32`],
  ruleName: 'parley-test',
  roomPrefix: 'call-',
  agentName: 'parley',
  ...over,
});

beforeAll(async () => {
  const ip = process.env.PARLEY_NODE_IP!;
  stack = await startTestStack();
  sip = await startSip(ROOT, { wsUrl: stack.url, redisPort: stack.redisPort, ip });
  peer = await startRealtimeStandin({ host: '127.0.0.1', port: 0 });
  worker = await startTestWorker(stack, `${peer.url}/v1`, { PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0' });
  sipClient = new SipClient(stack.httpUrl, stack.apiKey, stack.apiSecret);
  utterance = join(mkdtempSync(join(tmpdir(), 'parley-utt-')), 'utterance.wav');
  await speakPhoneWav('Hello, I am calling about the weather. What does it look like today?', utterance);
});

afterAll(async () => {
  await worker?.stop();
  await peer?.close();
  await sip?.stop();
  await stack?.stop();
  await dispose();
  if (utterance) rmSync(dirname(utterance), { recursive: true, force: true });
});

describe('a phone call through LiveKit SIP', () => {
  it('is answered by the agent: the caller hears G.711 speech back, BYE ends the job', async () => {
    const ids = await provisionSip(sipClient, trunk());
    expect(ids.trunkId).toMatch(/^ST_/);
    expect(ids.ruleId).toMatch(/^SDR_/);
    // re-running changes nothing
    const again = await provisionSip(sipClient, trunk());
    expect(again).toMatchObject({ trunkId: ids.trunkId, ruleId: ids.ruleId, created: { trunk: false, rule: false } });

    // long enough for the whole answer to play before the caller hangs up, even on a loaded machine
    const res = await dial({ holdMs: 13_000 });
    expect(res.exitCode, res.messages.slice(-2000)).toBe(0);
    expect(res.responses).toContain(200);
    // speech came back: ≥ 600 ms of loud 20 ms packets
    const loud = countLoudPackets(res.heard);
    expect(loud * 20).toBeGreaterThan(600);

    // the turn was recorded as a SIP turn, with the same fields as WebRTC turns
    const redis = new Redis(stack.redisUrl);
    const turns = (await redis.xrange(TURN_STREAM, '-', '+'))
      .map(([, f]) => JSON.parse(f[1]!) as TurnRecord)
      .filter((t) => t.room.startsWith('call-'));
    redis.disconnect();
    expect(turns.length).toBeGreaterThanOrEqual(1);
    expect(turns.every((t) => t.transport === 'sip')).toBe(true);
    // a pause inside the utterance may end an early turn that the rest of it cancels
    const answered = turns.find((t) => t.status === 'completed');
    expect(answered, JSON.stringify(turns)).toBeDefined();
    expect(answered!.speechEndAt).not.toBeNull();
    expect(answered!.firstFrameAt! - answered!.speechEndAt!).toBeGreaterThan(0);

    // BYE ended the call: the room is gone or empty of the caller soon after
    await waitFor(async () => {
      const rooms = await stack.rooms.listRooms();
      const live = rooms.filter((r) => r.name.startsWith('call-') && r.numParticipants > 0);
      return live.length === 0;
    }, 15_000);
  });

  it('rejects a call from an address the trunk does not allow', async () => {
    await provisionSip(sipClient, trunk({ allowedAddresses: ['10.77.0.99/32'] }));
    const roomsBefore = new Set((await stack.rooms.listRooms()).map((r) => r.name));
    const res = await dial({ holdMs: 1000, maxCallMs: 8000 });
    // LiveKit SIP answers a source no trunk allows with silence (or an error): never with a call
    expect(res.exitCode).not.toBe(0);
    expect(res.responses.filter((c) => c < 400)).toEqual([]);
    expect(res.heard.length).toBe(0);
    const newRooms = (await stack.rooms.listRooms()).filter((r) => !roomsBefore.has(r.name));
    expect(newRooms).toEqual([]);
  });

  it('rejects wrong digest credentials', async () => {
    await provisionSip(sipClient, trunk({ allowedAddresses: undefined, auth: { username: 'parley', password: 'right-secret' } }));
    const res = await dial({ holdMs: 1000, auth: { username: 'parley', password: 'wrong-secret' } });
    expect(res.exitCode).not.toBe(0);
    expect(res.responses).not.toContain(200);
    expect(res.responses.some((c) => c === 401 || c === 403 || c === 407)).toBe(true);
  });
});

/** sipp calls the trunk's number from the namespace's second address, speaking the utterance. */
function dial(o: Partial<SipCallOptions> & { holdMs: number }) {
  return placeSipCall({ target: `${process.env.PARLEY_NODE_IP}:5060`, from: CALLER_IP, number: NUMBER, utterance, ...o });
}

function countLoudPackets(pcm8k: Int16Array): number {
  let n = 0;
  for (let i = 0; i + 160 <= pcm8k.length; i += 160) if (rmsOf(pcm8k.subarray(i, i + 160)) > 500) n++;
  return n;
}

async function waitFor(fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}
