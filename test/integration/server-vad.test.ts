import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEECH_RMS, voicedWindows } from '../../callers/heard.js';
import { sleep, until } from '../../callers/wait.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';
import { speak } from '../../speech/clips.js';

/**
 * Server-VAD mode on the real stack: the Realtime server decides the turn (its VAD commits and
 * responds), while our gate runs as a passive observer that only timestamps the caller's true
 * speech end, so latency in both modes is measured from the same anchor.
 */
let env: CallStack;
let utterance: Int16Array;

beforeAll(async () => {
  env = await startCallStack('servervad', { PARLEY_VAD_MODE: 'server_vad' });
  utterance = await speak('Can you tell me something nice about the weather today');
});

afterAll(async () => env?.stop());

describe('server-VAD mode', () => {
  it('the server ends the turn and answers; the local gate still anchors the measurement', async () => {
    const { bot, room } = await env.calls.call();
    const said = await bot.say(utterance);
    await until('the answer', () => bot.firstSoundAfter(said, SPEECH_RMS), 20_000);
    await sleep(2500);
    expect(voicedWindows(bot.heardSince(said), bot.listenRate) * 20).toBeGreaterThan(600);

    // the worker asked for server turn detection and left commit and response.create to the server
    const session = env.peer.sessions().at(-1);
    const events = env.peer.clientEvents().filter((e) => e.session === session);
    const update = events.find((e) => e.type === 'session.update');
    expect(update?.payload).toMatchObject({ session: { audio: { input: { turn_detection: { type: 'server_vad' } } } } });
    expect(events.filter((e) => e.type === 'input_audio_buffer.commit' || e.type === 'response.create')).toEqual([]);

    const turn = await until('a completed turn', () => env.calls.turns(room).find((t) => t.status === 'completed'), 10_000);
    expect(turn.vadMode).toBe('server_vad');
    expect(turn.commitSentAt).toBeNull(); // nothing of ours committed
    // the passive observer's speech end precedes the server's decision and the answer
    expect(turn.speechEndAt).not.toBeNull();
    expect(turn.endDetectedAt! - turn.speechEndAt!).toBeGreaterThan(0);
    expect(turn.firstFrameAt! - turn.speechEndAt!).toBeGreaterThan(turn.endDetectedAt! - turn.speechEndAt!);
    await bot.leave();
  });
});
