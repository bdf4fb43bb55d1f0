import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEECH_RMS, voicedWindows } from '../../callers/heard.js';
import { sleep, until } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';

/**
 * A call older than a Realtime session may live. The API ends a session at 60 minutes; Parley
 * renews it first (PARLEY_REALTIME_RENEW_MS), and a renewal is not a dropped line: no apology,
 * the answer in progress plays to its end, the conversation goes on. Ages scaled down here: the
 * stand-in ends sessions at 20 s, the worker renews at 8 s, while an answer is being generated.
 */
let env: CallStack;
let question: Int16Array;
const RENEW_MS = 8_000;
const LONG_ANSWER =
  'Let me tell you about it. The morning starts cool and grey, then the clouds break up around noon, ' +
  'and by the afternoon it should be bright and pleasantly warm everywhere, with a light breeze.';

beforeAll(async () => {
  env = await startCallStack('renewal', { PARLEY_REALTIME_RENEW_MS: String(RENEW_MS) }, { sessionMaxMs: 20_000 });
  question = await speak('Tell me about the weather today');
});
afterAll(async () => env?.stop());

describe('Realtime session renewal', () => {
  it('renewed before the limit: no apology, nothing cut off, the next question answered in the new session', async () => {
    env.peer.setScript({
      reply: (n, instructions) =>
        instructions?.includes('dropped') ? 'Sorry, the line dropped.' : n === 0 ? LONG_ANSWER : 'Sure, here is the short answer.',
      delivery: { speed: 2, minChunkMs: 60, maxChunkMs: 120 },
    });
    const { bot, room } = await env.calls.call();
    const first = (await until("the call's Realtime session", () => env.peer.clientEvents()[0], 10_000)).at;
    await sleep(Math.max(0, first + 4_000 - Date.now()));
    // the answer (about 9 s of speech) is still being generated when the session reaches its age
    const asked = await bot.say(question);
    const done = await until('the first turn recorded', () => calls().find((t) => t.turn === 1), 30_000);
    await until('a second session', () => env.peer.sessions().length >= 2, 20_000);
    const [s1, s2] = env.peer.sessions();
    const opened = (s: string) => env.peer.clientEvents().find((e) => e.session === s)!.at;
    // renewed by the worker after the answer was generated, well before the server would end it
    expect(opened(s2!) - opened(s1!)).toBeLessThan(20_000);
    expect(opened(s2!)).toBeGreaterThanOrEqual(done.responseDoneAt!);
    const turn1 = await until('turn 1 finished', () => calls().find((t) => t.turn === 1 && t.status === 'completed'), 20_000);
    expect(turn1.bargeIn).toBe(false);
    // nothing cut off: the caller heard the whole answer (espeak: ~8 s of it voiced)
    expect(voicedWindows(bot.heardSince(asked), bot.listenRate) * 20).toBeGreaterThan(5_000);
    expect(env.peer.responses().filter((r) => r.text.startsWith('Sorry'))).toEqual([]);
    // the conversation goes on in the new session
    const again = await bot.say(question);
    await until('the second answer', () => bot.firstSoundAfter(again, SPEECH_RMS), 20_000);
    const turn2 = await until('turn 2', () => calls().find((t) => t.turn === 2 && t.status === 'completed'), 20_000);
    expect(env.peer.clientEvents().some((e) => e.session === s2 && e.type === 'response.create' && e.at >= again)).toBe(true);
    expect(turn2.status).toBe('completed');
    await bot.leave();

    function calls() {
      return env.calls.turns(room);
    }
  });

  it('every Realtime event of the call, both ways, was within OpenAI schema', () => {
    expect(env.peer.validating).toBe(true);
    expect(env.peer.schemaFailures()).toEqual([]);
  });
});
