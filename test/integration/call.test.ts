import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeStandin } from '../../openai-standin/server.js';
import type { Service } from '../../stack/service.js';
import { rmsOf } from '../../agent/audio/pcm.js';
import type { Calls } from '../../callers/dispatch.js';
import { SPEECH_RMS, voicedWindows } from '../../callers/heard.js';
import { sleep, until } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';

/**
 * The walking skeleton on real parts: livekit-server and Redis in the test namespace, the worker
 * as its own process (job processes forked by @livekit/agents), the local Realtime stand-in, and a
 * caller over real WebRTC.
 */
let env: CallStack;
let peer: RealtimeStandin;
let worker: Service;
let calls: Calls;
let utterance: Int16Array;
let question: Int16Array;

beforeAll(async () => {
  env = await startCallStack('skeleton');
  ({ peer, worker, calls } = env);
  [utterance, question] = await Promise.all([
    // no sentence breaks inside: each is one turn, which the stale-answer test's timing relies on
    speak('Can you tell me something nice about the weather today'),
    speak('What time is it right now'),
  ]);
});

afterAll(async () => env?.stop());

describe('a call over WebRTC', () => {
  it('answers a spoken utterance with speech the caller hears', async () => {
    const { bot, room } = await calls.call();
    const saidAt = await bot.say(utterance);
    const firstSound = await until('agent audio', () => bot.firstSoundAfter(saidAt, SPEECH_RMS), 20_000);
    await sleep(2500);
    const heard = bot.heardSince(firstSound);
    // real speech: loud enough and long enough (a whole sentence, not a click)
    expect(voicedWindows(heard, bot.listenRate) * 20).toBeGreaterThan(600);
    expect(rmsOf(heard)).toBeGreaterThan(300);

    // manual turns: server VAD off, and the worker's commit came before its response.create
    const events = peer.clientEvents().filter((e) => e.session === peer.sessions().at(-1));
    const kinds = events.map((e) => e.type);
    expect(kinds).toContain('input_audio_buffer.commit');
    expect(kinds.indexOf('input_audio_buffer.commit')).toBeLessThan(kinds.indexOf('response.create'));
    const session = events.find((e) => e.type === 'session.update');
    expect(session?.payload).toMatchObject({ session: { audio: { input: { turn_detection: null } } } });

    const turn = await until('a completed turn record', () => calls.turns(room).find((t) => t.status === 'completed'), 10_000);
    expect(turn.transport).toBe('webrtc');
    expect(calls.turns(room).every((t) => t.status === 'completed' || t.status === 'cancelled')).toBe(true);
    // the commit went out as soon as the gate decided the turn had ended (same tick)
    expect(turn.commitSentAt! - turn.endDetectedAt!).toBeLessThanOrEqual(10);
    expect(turn.firstFrameAt! - turn.speechEndAt!).toBeGreaterThan(0);
    await bot.leave();
  });

  it('plays no stale answer when the caller speaks again before it arrives', async () => {
    peer.setScript({ modelLatencyMs: [2500, 300] }); // the first answer is slow, the second quick
    const { bot, room } = await calls.call();
    const firstEnd = await bot.say(utterance);
    // the worker commits ~hangover after speech end; speak again while the slow answer is pending
    await sleep(1200);
    const secondEnd = await bot.say(question);
    await until('an answer', () => bot.firstSoundAfter(secondEnd, SPEECH_RMS), 20_000);
    await sleep(2000);
    // between the first utterance and the end of the second, the caller heard nothing from the agent
    const between = bot.heard.filter((c) => c.at > firstEnd && c.at < secondEnd);
    expect(Math.max(0, ...between.map((c) => rmsOf(c.samples)))).toBeLessThan(SPEECH_RMS);
    // the slow response was cancelled and none of its audio reached the room
    const turns = await until('two turn records', () => (calls.turns(room).length >= 2 ? calls.turns(room) : null));
    expect(turns[0]!.status).toBe('cancelled');
    expect(turns[0]!.firstFrameAt).toBeNull();
    expect(turns.at(-1)!.status).toBe('completed');
    peer.setScript({});
    await bot.leave();
  });

  it('ends the job when the caller hangs up, and the worker shuts down cleanly', async () => {
    const { bot } = await calls.call();
    await bot.leave();
    await sleep(1500);
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

  it('every Realtime event of these calls, both ways, was within OpenAI schema', () => {
    expect(peer.validating).toBe(true);
    expect(peer.schemaFailures()).toEqual([]);
  });
});
