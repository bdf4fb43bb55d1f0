import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeStandin } from '../../openai-standin/server.js';
import type { StandinScript } from '../../openai-standin/script.js';
import type { Calls } from '../../callers/dispatch.js';
import { SPEECH_RMS } from '../../callers/heard.js';
import { sleep, until } from '../../callers/wait.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';
import { toolUsingModel } from '../support/chat-scripts.js';
import { fakeApiEnv, startFakeApis, type FakeApis } from '../support/fake-apis.js';
import { speak } from '../../speech/clips.js';

/**
 * Thinkers on the real stack: the Responder (local stand-in) calls route_to_thinker, the worker runs the
 * thinker against the local chat stand-in and fake data providers, and speaks the result under the
 * response lock, while a real WebRTC caller talks and interrupts.
 */
let env: CallStack;
let apis: FakeApis;
let peer: RealtimeStandin;
let calls: Calls;
let question: Int16Array;
let interruption: Int16Array;

const RESEARCH_MS = 4000;
const LONG_ACK =
  'Let me check that for you. I am looking it up right now, it will only take a moment, so please bear with me while the details come in.';
const ANSWER = 'Here is your answer.';

/** The Responder: speaks what each kind of request asks for, so tests can tell the responses apart. */
const reply: StandinScript['reply'] = (_n, instructions) => {
  const i = instructions ?? '';
  if (i.includes('specialist answered')) return `${ANSWER} ${i.match(/\((\w+)\)|The (\w+) specialist/)?.[2] ?? ''}`;
  if (i.includes('checking that')) return i.includes('(research)') ? 'One moment.' : LONG_ACK;
  if (i.includes('still there')) return 'Are you still there?';
  if (i.includes('still working')) return 'Still working on it.';
  if (i.includes('could not get')) return 'Sorry, I could not get that.';
  return 'Okay.';
};
const route = (domain: string, query: string) => ({ 0: { name: 'route_to_thinker', arguments: JSON.stringify({ domain, query }) } });
const answers = () => peer.responses().filter((r) => r.text.startsWith(ANSWER));
/** The tool results the agent put into the conversation, with their output. */
const toolOutputs = () =>
  peer
    .clientEventsOf('conversation.item.create')
    .flatMap((e) => (e.payload.item.type === 'function_call_output' ? [{ at: e.at, output: e.payload.item.output }] : []));

beforeAll(async () => {
  apis = await startFakeApis();
  env = await startCallStack('thinkers', {
    ...fakeApiEnv(apis),
    PARLEY_RESEARCH_MS: String(RESEARCH_MS),
    PARLEY_IDLE_NUDGE_MS: '1500',
    PARLEY_STILL_WORKING_MS: '0',
  });
  ({ peer, calls } = env);
  [question, interruption] = await Promise.all([speak('What is the weather like in Paris?'), speak('Wait, stop, I have another question')]);
});

afterAll(async () => {
  await env?.stop();
  await apis?.close();
});

describe('thinkers on the real stack', () => {
  it('a result that arrives mid-filler waits for the filler, then is spoken exactly once', async () => {
    // the acknowledgement plays at real-time speed; the weather thinker is done long before it ends
    peer.setScript({
      toolCalls: route('weather', 'weather in Paris today'),
      reply,
      delivery: { speed: 1, minChunkMs: 60, maxChunkMs: 120 },
    });
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 100 });
    const before = answers().length;
    const { bot } = await calls.call();
    await bot.say(question);
    const answer = await until(
      'the spoken answer',
      () =>
        answers()
          .slice(before)
          .find((r) => r.status === 'completed'),
      30_000,
    );
    const ack = peer.responses().find((r) => r.text === LONG_ACK && r.createdAt < answer.createdAt)!;
    expect(ack.status).toBe('completed');
    const output = toolOutputs().at(-1)!;
    expect(JSON.parse(output.output)).toMatchObject({ status: 'ok', domain: 'weather' });
    // the result was in while the filler was still being generated, and the answer waited for it
    expect(output.at).toBeLessThan(ack.doneAt!);
    expect(answer.createdAt).toBeGreaterThanOrEqual(ack.doneAt!);
    await sleep(1500);
    expect(answers().slice(before)).toHaveLength(1);
    // and the caller heard it
    await until('the answer heard', () => bot.firstSoundAfter(answer.createdAt, SPEECH_RMS), 10_000);
    // the data came from the weather provider, in the caller's default units
    expect(apis.requests().some((r) => r.path.endsWith('/forecast') && r.params.temperature_unit === 'celsius')).toBe(true);
    await bot.leave();
  });

  it('speech and a streamed tool call in one response: no second acknowledgement, the answer spoken once', async () => {
    peer.setScript({
      toolCalls: {
        0: {
          name: 'route_to_thinker',
          arguments: JSON.stringify({ domain: 'weather', query: 'weather in Rome' }),
          say: 'Let me check that.',
        },
      },
      reply,
    });
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 100 });
    const before = answers().length;
    const { bot } = await calls.call();
    const asked = await bot.say(question);
    const answer = await until(
      'the spoken answer',
      () =>
        answers()
          .slice(before)
          .find((r) => r.status === 'completed'),
      30_000,
    );
    const spoke = peer.responses().find((r) => r.createdAt > asked && r.text === 'Let me check that.')!;
    expect(spoke.status).toBe('completed');
    await sleep(1500);
    // the model already said it was checking: Parley asked for no acknowledgement of its own
    expect(peer.responses().filter((r) => r.createdAt > asked && r.text === LONG_ACK)).toEqual([]);
    expect(answers().slice(before)).toHaveLength(1);
    expect(answer.createdAt).toBeGreaterThan(spoke.createdAt);
    await bot.leave();
  });

  it('after a barge-in the late result goes into the conversation but is not spoken', async () => {
    peer.setScript({ toolCalls: route('stocks', 'Apple share price'), reply, delivery: { speed: 1, minChunkMs: 60, maxChunkMs: 120 } });
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 2500 });
    const before = answers().length;
    const outputsBefore = toolOutputs().length;
    const { bot } = await calls.call();
    const asked = await bot.say(question);
    await until('the acknowledgement heard', () => bot.firstSoundAfter(asked, SPEECH_RMS), 20_000);
    await sleep(600);
    await bot.say(interruption); // barge-in over the acknowledgement
    const output = await until('the stale result submitted', () => toolOutputs()[outputsBefore], 20_000);
    expect(JSON.parse(output.output)).toMatchObject({ status: 'ok', domain: 'stocks' });
    await sleep(2500);
    expect(answers().slice(before)).toHaveLength(0);
    await bot.leave();
  });

  it('a research task outlives idle nudges and is spoken when done', async () => {
    peer.setScript({ toolCalls: route('research', 'compare heat pumps and gas boilers'), reply });
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 50 });
    const before = answers().length;
    const { bot } = await calls.call();
    const asked = await bot.say(question);
    const answer = await until(
      'the research answer',
      () =>
        answers()
          .slice(before)
          .find((r) => r.status === 'completed'),
      RESEARCH_MS + 20_000,
    );
    const nudges = peer
      .responses()
      .filter((r) => r.text === 'Are you still there?' && r.createdAt > asked && r.createdAt < answer.createdAt);
    expect(nudges.length).toBeGreaterThanOrEqual(1);
    expect(answer.createdAt - asked).toBeGreaterThanOrEqual(RESEARCH_MS);
    await bot.leave();
  });

  it('hang-up cancels a running thinker: no more model requests, nothing submitted', async () => {
    peer.setScript({ toolCalls: route('research', 'history of the bicycle'), reply });
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 50 });
    const outputsBefore = toolOutputs().length;
    const chatsBefore = peer.chatRequests().length;
    const { bot } = await calls.call();
    await bot.say(question);
    await until('the research plan request', () => peer.chatRequests().length > chatsBefore, 20_000);
    await sleep(500);
    await bot.leave();
    const chatsAtHangUp = peer.chatRequests().length;
    await sleep(RESEARCH_MS + 1500);
    expect(peer.chatRequests().length).toBe(chatsAtHangUp); // the write-up never ran
    expect(toolOutputs().length).toBe(outputsBefore);
  });

  it("the call so far, as a thinker sees it, is in the conversation's order even when the caller's words are transcribed after the answer", async () => {
    // the first question's transcript comes 2.5 s after its commit: after the answer to it
    // and the second response (index 1) routes to the knowledge thinker, which reads the call so far
    peer.setScript({
      reply,
      userTranscript: (n) => `caller line ${n}`,
      transcription: { delayMs: [2500, 0] },
      toolCalls: { 1: { name: 'route_to_thinker', arguments: JSON.stringify({ domain: 'knowledge', query: 'what did I ask first' }) } },
    });
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 50 });
    const chatsBefore = peer.chatRequests().length;
    const { bot } = await calls.call();
    const asked = await bot.say(question);
    const first = await until(
      'the first answer',
      () => peer.responses().find((r) => r.createdAt > asked && r.status === 'completed'),
      20_000,
    );
    await sleep(Math.max(0, asked + 3000 - Date.now())); // the late transcript is in
    await bot.say(question);
    const chat = await until(
      'the knowledge request',
      () =>
        peer
          .chatRequests()
          .slice(chatsBefore)
          .find((c) => c.request.messages.some((m) => String(m.content ?? '').includes('This call so far'))),
      20_000,
    );
    const context = chat.request.messages.map((m) => String(m.content ?? '')).join('\n');
    const question0 = context.indexOf('caller: caller line 0');
    const answer0 = context.indexOf(`agent: ${first.text}`);
    expect(question0, context).toBeGreaterThanOrEqual(0);
    expect(answer0, context).toBeGreaterThan(question0);
    await bot.leave();
  });

  it('every Realtime event of these calls, both ways, was within OpenAI schema', () => {
    expect(peer.validating).toBe(true);
    expect(peer.schemaFailures()).toEqual([]);
  });
});
