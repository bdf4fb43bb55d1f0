import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEECH_RMS } from '../../callers/heard.js';
import { sleep, until } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';

/** The agent speaks first when its transport's greeting is set, and then the call goes on as ever. */
let env: CallStack;
const GREETING = 'Hello, this is Parley. How can I help?';

beforeAll(async () => {
  env = await startCallStack('greeting', { PARLEY_GREETING_WEBRTC: GREETING });
  env.peer.setScript({ reply: (_n, instructions) => (instructions?.includes(GREETING) ? GREETING : 'Sure, it is sunny.') });
});

afterAll(async () => env?.stop());

describe('the greeting', () => {
  it('the caller hears it before saying anything, once; a question after it is answered', async () => {
    const joined = Date.now();
    const { bot, room } = await env.calls.call();
    const heard = await until('the greeting heard', () => bot.firstSoundAfter(joined, SPEECH_RMS), 15_000);
    const greetings = () =>
      env.peer.clientEventsOf('response.create').filter((e) => e.at >= joined && e.payload.response?.instructions?.includes(GREETING));
    expect(greetings()).toHaveLength(1);
    const spoken = await until(
      'the greeting spoken',
      () => env.peer.responses().find((r) => r.createdAt >= joined && r.text === GREETING && r.status === 'completed'),
      10_000,
    );
    expect(heard).toBeGreaterThanOrEqual(spoken.createdAt);
    await sleep(2500); // it plays out
    const asked = await bot.say(await speak('What is the weather like?'));
    await until('the answer', () => bot.firstSoundAfter(asked, SPEECH_RMS), 20_000);
    const turn = await until('the turn', () => env.calls.turns(room).find((t) => t.status === 'completed'), 15_000);
    expect(turn.turn).toBe(1); // the greeting is not a turn of the caller's
    expect(greetings()).toHaveLength(1);
    await bot.leave();
  });
});
