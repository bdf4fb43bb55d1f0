import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEECH_RMS } from '../../callers/heard.js';
import { until } from '../../callers/wait.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';

/**
 * A silent caller: the agent checks in once after the nudge delay, says goodbye after the longer
 * one, and then ends the call itself (it deletes the room, which for a phone caller is a BYE).
 */
let env: CallStack;

beforeAll(async () => {
  env = await startCallStack('idle', { PARLEY_IDLE_NUDGE_MS: '1500', PARLEY_IDLE_GOODBYE_MS: '6000' });
  env.peer.setScript({
    reply: (_n, instructions) =>
      instructions?.includes('goodbye')
        ? 'Thanks for calling, goodbye.'
        : instructions?.includes('still there')
          ? 'Are you still there?'
          : 'Hello.',
  });
});

afterAll(async () => env?.stop());

describe('idle behaviour', () => {
  it('nudges once, then says goodbye and ends the call', async () => {
    const joinedAt = Date.now();
    const { bot, room } = await env.calls.call();
    const nudgeHeard = await until('the nudge', () => bot.firstSoundAfter(joinedAt, SPEECH_RMS), 10_000);
    expect(nudgeHeard - joinedAt).toBeGreaterThanOrEqual(1400);
    await until('the goodbye', () => env.peer.responses().find((r) => r.text.includes('goodbye')), 15_000);
    // one nudge only, before the goodbye
    expect(env.peer.responses().filter((r) => r.text.includes('still there'))).toHaveLength(1);
    // after the goodbye has played, the room is gone
    await until('the room to be deleted', async () => !(await env.stack.rooms.listRooms()).some((r) => r.name === room), 20_000);
    await bot.leave();
  });
});
