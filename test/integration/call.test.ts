import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { dispose } from '@livekit/rtc-node';
import { startRealtimePeer, type RealtimePeer } from '../../peer/server.js';
import type { Service } from '../../scripts/stack/service.js';
import { TURN_STREAM } from '../../agent/turns/recorder.js';
import type { TurnRecord } from '../../agent/turns/record.js';
import { CallerBot, rmsOf } from '../harness/caller.js';
import { speak } from '../harness/speech.js';
import { startTestStack, startTestWorker, type TestStack } from '../harness/stack.js';

/**
 * The walking skeleton on real parts: livekit-server and Redis in the test namespace, the worker
 * as its own process (job processes forked by @livekit/agents), the local Realtime peer, and a
 * caller over real WebRTC.
 */
let stack: TestStack;
let peer: RealtimePeer;
let worker: Service;
let redis: Redis;
let utterance: Int16Array;
let question: Int16Array;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startRealtimePeer({ host: '127.0.0.1', port: 0 });
  worker = await startTestWorker(stack, `${peer.url}/v1`, { PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0' });
  redis = new Redis(stack.redisUrl);
  [utterance, question] = await Promise.all([
    // no sentence breaks inside: each is one turn, which the stale-answer test's timing relies on
    speak('Can you tell me something nice about the weather today'),
    speak('What time is it right now'),
  ]);
});

afterAll(async () => {
  redis?.disconnect();
  await worker?.stop();
  await peer?.close();
  await stack?.stop();
  await dispose();
});

let roomSeq = 0;
async function call(): Promise<{ bot: CallerBot; room: string }> {
  const room = `skeleton-${process.pid}-${++roomSeq}`;
  await stack.dispatch.createDispatch(room, 'parley');
  const bot = await CallerBot.join({ url: stack.url, room, identity: `caller-${roomSeq}`, apiKey: stack.apiKey, apiSecret: stack.apiSecret });
  return { bot, room };
}

async function until<T>(what: string, fn: () => T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function turnsOf(room: string): Promise<TurnRecord[]> {
  const entries = await redis.xrange(TURN_STREAM, '-', '+');
  return entries.map(([, f]) => JSON.parse(f[1]!) as TurnRecord).filter((t) => t.room === room);
}

const SPEECH_RMS = 500;

describe('a call over WebRTC', () => {
  it('answers a spoken utterance with speech the caller hears', async () => {
    const { bot, room } = await call();
    await until('the agent to join', () => bot.agentIdentity, 30_000);
    const saidAt = await bot.say(utterance);
    const firstSound = await until('agent audio', () => bot.firstSoundAfter(saidAt, SPEECH_RMS), 20_000);
    await new Promise((r) => setTimeout(r, 2500));
    const heard = bot.heardSince(firstSound);
    // real speech: loud enough and long enough (a whole sentence, not a click)
    const voiced = countVoicedWindows(heard, bot.listenRate);
    expect(voiced * 20).toBeGreaterThan(600);
    expect(rmsOf(heard)).toBeGreaterThan(300);

    // the worker committed the turn on local speech end: commit was the peer's first request
    const events = peer.clientEvents().filter((e) => e.session === peer.sessions().at(-1));
    const kinds = events.map((e) => e.type);
    expect(kinds).toContain('input_audio_buffer.commit');
    expect(kinds.indexOf('input_audio_buffer.commit')).toBeLessThan(kinds.indexOf('response.create'));
    const session = events.find((e) => e.type === 'session.update');
    expect(session?.payload).toMatchObject({ session: { audio: { input: { turn_detection: null } } } });

    // a pause inside the utterance may end an early turn that the rest of it cancels (as with
    // real callers); the answer the caller heard belongs to a completed turn
    const turn = await until('a completed turn record', () => turnsOfSync(room).find((t) => t.status === 'completed'), 10_000);
    expect(turn.transport).toBe('webrtc');
    expect(turnsOfSync(room).every((t) => t.status === 'completed' || t.status === 'cancelled')).toBe(true);
    // perceived latency from the caller's true speech end to the first frame out is recorded
    expect(turn!.firstFrameAt! - turn!.speechEndAt!).toBeGreaterThan(0);
    await bot.leave();
  });

  it('plays no stale answer when the caller speaks again before it arrives', async () => {
    peer.setScript({ modelLatencyMs: [2500, 300] }); // the first answer is slow, the second quick
    const { bot, room } = await call();
    await until('the agent to join', () => bot.agentIdentity, 30_000);
    const firstEnd = await bot.say(utterance);
    // the worker commits ~hangover after speech end; speak again while the slow answer is pending
    await new Promise((r) => setTimeout(r, 1200));
    const secondEnd = await bot.say(question);
    await until('an answer', () => bot.firstSoundAfter(secondEnd, SPEECH_RMS), 20_000);
    await new Promise((r) => setTimeout(r, 2000));
    // between the first utterance and the end of the second, the caller heard nothing from the agent
    const between = bot.heard.filter((c) => c.at > firstEnd && c.at < secondEnd);
    expect(Math.max(0, ...between.map((c) => rmsOf(c.samples)))).toBeLessThan(SPEECH_RMS);
    // the slow response was cancelled and none of its audio was ever sent to the caller
    const turns = await until('two turn records', () => {
      const t = turnsOfSync(room);
      return t.length >= 2 ? t : null;
    });
    expect(turns[0]!.status).toBe('cancelled');
    expect(turns[0]!.firstFrameAt).toBeNull();
    expect(turns.at(-1)!.status).toBe('completed');
    peer.setScript({});
    await bot.leave();
  });

  it('ends the job when the caller hangs up, and the worker shuts down cleanly', async () => {
    const { bot } = await call();
    await until('the agent to join', () => bot.agentIdentity, 30_000);
    await bot.leave();
    await new Promise((r) => setTimeout(r, 1500));
    const pgid = worker.pid;
    const t0 = Date.now();
    await worker.stop(15_000);
    // it exited on SIGTERM by itself (drained), well before the SIGKILL fallback
    expect(Date.now() - t0).toBeLessThan(15_000);
    // nothing of the worker's process group is left running (job processes included); zombies
    // waiting for this sandbox's init to reap them are gone already, so they do not count
    const live = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='])
      .toString()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, g, stat]) => Number(g) === pgid && !stat?.startsWith('Z'));
    expect(live).toEqual([]);
  });
});

// XRANGE is async; tests poll a cache refreshed in the background
let turnCache: TurnRecord[] = [];
setInterval(() => {
  redis
    ?.xrange(TURN_STREAM, '-', '+')
    .then((e) => (turnCache = e.map(([, f]) => JSON.parse(f[1]!) as TurnRecord)))
    .catch(() => {});
}, 100).unref();
function turnsOfSync(room: string): TurnRecord[] {
  return turnCache.filter((t) => t.room === room);
}
void turnsOf;

/** 20 ms windows whose RMS says speech. */
function countVoicedWindows(s: Int16Array, rate: number): number {
  const w = rate / 50;
  let n = 0;
  for (let i = 0; i + w <= s.length; i += w) if (rmsOf(s.subarray(i, i + w)) > SPEECH_RMS) n++;
  return n;
}
