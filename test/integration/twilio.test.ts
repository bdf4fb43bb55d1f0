import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import twilio from 'twilio';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamRefused, WebhookRefused } from '../../callers/twilio/carrier.js';
import { sleep, until } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { startTwilioStack, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type TwilioStack } from '../support/twilio-stack.js';

/**
 * Phone calls over Twilio Media Streams on real parts except Twilio: the gateway (voice webhook,
 * stream endpoint, a call process per call), Redis, the Realtime stand-in, and a carrier that
 * speaks Twilio's protocol exactly (callers/twilio), with Twilio's REST API stood in locally.
 */
let env: TwilioStack;
let question: Int16Array;
let longQuestion: Int16Array;
const LONG_ANSWER =
  'Here is a long answer about the weather. In the morning it will be cool and cloudy, with a light wind from the west. ' +
  'By noon the clouds break up and the sun comes out. In the afternoon it gets warm, and in the evening it cools down again.';

/** Call processes of this gateway that are taking or serving a call (beyond the warm one). */
function callProcesses(): number {
  try {
    return execFileSync('pgrep', ['-f', 'dist/agent/twilio-call.js'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** Calls the gateway's processes have started, by their own log line (agent/call/call.ts). */
function callsStarted(): number {
  return (readFileSync(env.gateway.logFile, 'utf8').match(/"msg":"call started"/g) ?? []).length;
}

/** The gateway's log (its call processes' too) from byte `from` on: the messages, for a failure's text. */
function gatewayLogSince(from: number): string {
  return readFileSync(env.gateway.logFile).subarray(from).toString('utf8').split('\n').filter(Boolean).join('\n');
}

beforeAll(async () => {
  env = await startTwilioStack({ PARLEY_TRANSFER_TO: '+15550100', PARLEY_DTMF_GAP_MS: '600' });
  [question, longQuestion] = await Promise.all([
    speak('What time is it right now', 8000),
    speak('Tell me about the weather today please', 8000),
  ]);
});

afterAll(async () => {
  await env?.stop();
  // nothing of the gateway is left: no call process outlives it
  expect(callProcesses()).toBe(0);
});

describe('a phone call over Twilio Media Streams', () => {
  it('answers a spoken question with speech the caller hears, in 20 ms μ-law media with a mark each', async () => {
    const call = await env.dial();
    await sleep(500);
    const u = call.send(question);
    const { lastAt } = await u.sent;
    const first = await until('the answer to be heard', () => call.firstHeardAfter(lastAt), 15_000);
    await call.waitForHeardMs(800, 10_000);
    expect(first - lastAt).toBeLessThan(5_000);
    expect(call.violations).toEqual([]);
    // the carrier refuses anything but 160-byte μ-law media, marks and clears (no violations above);
    // each answer frame came with its mark, echoed once played: about one mark per 20 ms heard
    const played = call.marks.filter((m) => m.released === 'played').length;
    expect(played).toBeGreaterThan(30);
    expect(played * 20).toBeLessThanOrEqual(call.heardMs() + 20);
    const turn = await until(
      'a completed turn record',
      () => env.calls.turns(call.streamSid).find((t) => t.status === 'completed'),
      15_000,
    );
    expect(turn).toMatchObject({ transport: 'twilio_ws', callId: call.callSid, room: call.streamSid });
    // a caller hang-up (stop, then the socket closes) ends the call process
    await call.hangUp();
    await until('the call process to exit', () => callProcesses() <= 1 || null, 15_000);
  });

  it('barge-in sends clear, and truncates at the position the echoed marks report', async () => {
    env.peer.setScript({ reply: () => LONG_ANSWER });
    const call = await env.dial();
    await sleep(500);
    const { lastAt } = await call.send(longQuestion).sent;
    const first = await until('the long answer to be heard', () => call.firstHeardAfter(lastAt), 15_000);
    await sleep(2_500);
    call.send(question);
    const clear = await call.waitForClear(1, 10_000);
    // the caller's turn started ~200 ms into their speech; the clear followed within a few frames
    expect(clear.discardedMs).toBeGreaterThan(0);
    const truncate = await until('the truncate', () => env.peer.clientEventsOf('conversation.item.truncate').at(-1), 5_000);
    // what the caller heard of the answer up to the clear, by the carrier's own playout
    const heardBeforeClear = call.heard.filter((c) => c.at >= first - 20 && c.at <= clear.at).length * 20;
    console.log(
      `twilio barge-in: truncate at ${truncate.payload.audio_end_ms} ms; the carrier played ${heardBeforeClear} ms of the answer before the clear (${clear.discardedMs} ms buffered, discarded)`,
    );
    expect(Math.abs(truncate.payload.audio_end_ms - heardBeforeClear)).toBeLessThanOrEqual(60);
    expect(call.marks.some((m) => m.released === 'clear')).toBe(true);
    expect(call.violations).toEqual([]);
    env.peer.setScript({});
    await call.hangUp();
  });

  it('refuses a forged or missing webhook signature with 403 and a forged stream handshake, starting no call', async () => {
    const before = callsStarted();
    await expect(env.dial({ signature: 'forged' })).rejects.toMatchObject({ status: 403 });
    await expect(env.dial({ signature: 'none' })).rejects.toBeInstanceOf(WebhookRefused);
    const e = await env.dial({ streamSignature: 'forged' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StreamRefused);
    expect((e as StreamRefused).status).toBe(403);
    await sleep(1_000);
    expect(callsStarted()).toBe(before);
  });

  it('a stream ticket admits one stream: a replayed start (same ticket, a validly signed handshake) is closed, no second call', async () => {
    const prior = callsStarted();
    const logFrom = statSync(env.gateway.logFile).size;
    const call = await env.dial();
    // the call process is warm and has the socket once dial resolves: what is left is the start,
    // the ticket's claim and the first log line; the gateway's own lines say why if it does not come
    await until('the first call to start', () => (callsStarted() > prior ? true : null), 20_000).catch((e: Error) => {
      throw new Error(`${e.message}; the gateway's log since the dial:\n${gatewayLogSince(logFrom)}`);
    });
    const before = callsStarted();
    const { streamUrl, customParameters, callSid, accountSid } = call.identity;
    // Twilio signs the handshake over the stream URL alone, so a captured one is valid again
    const ws = new WebSocket(streamUrl, {
      headers: { 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, streamUrl, {}) },
    });
    await once(ws, 'open');
    const closed = once(ws, 'close') as Promise<[number, Buffer]>;
    const streamSid = `MZ${'9'.repeat(32)}`;
    ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    ws.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid,
        start: {
          accountSid,
          streamSid,
          callSid,
          tracks: ['inbound'],
          customParameters,
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }),
    );
    const [code, reason] = await closed;
    expect(code).toBe(1008);
    expect(reason.toString()).toMatch(/ticket already used/);
    await sleep(500);
    expect(callsStarted()).toBe(before);
    await call.hangUp();
  });

  it('the keys a caller presses reach the conversation as one line', async () => {
    const call = await env.dial();
    await sleep(300);
    for (const k of '123') {
      call.dtmf(k);
      await sleep(100);
    }
    const item = await until(
      'the keys in the conversation',
      () =>
        env.peer
          .clientEventsOf('conversation.item.create')
          .map((e) => e.payload.item)
          .find((i) => i.type === 'message' && JSON.stringify(i).includes('1 2 3')),
      10_000,
    );
    expect(item).toMatchObject({ role: 'user', content: [{ type: 'input_text' }] });
    await call.hangUp();
  });

  it('the person key transfers: the agent says so, then Twilio is told to <Dial> the configured number', async () => {
    const call = await env.dial();
    await sleep(300);
    call.dtmf('0');
    const end = await call.closed;
    const update = env.rest.requests.find((r) => r.path.endsWith(`/Calls/${call.callSid}.json`));
    expect(update).toMatchObject({ method: 'POST', authUser: TEST_ACCOUNT_SID, status: 200 });
    expect(update!.path).toBe(`/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Calls/${call.callSid}.json`);
    expect(update!.params.Twiml).toContain('<Dial><Number>+15550100</Number></Dial>');
    expect(env.rest.calls.get(call.callSid)?.dialed).toBe('+15550100');
    expect(end.by).toBe('carrier');
    // the agent spoke before the transfer
    expect(call.heardMs()).toBeGreaterThan(300);
  });

  it('the agent hangs up through the REST API (Status=completed), and the stream and its process end', async () => {
    // the model's account is out of quota: the agent plays its recorded apology and hangs up
    env.peer.setScript({ endings: { 0: { status: 'failed', afterDeltas: 0, code: 'insufficient_quota' } } });
    const call = await env.dial();
    await sleep(500);
    call.send(question);
    const end = await call.closed;
    env.peer.setScript({});
    const update = env.rest.requests.find((r) => r.path.endsWith(`/Calls/${call.callSid}.json`));
    expect(update).toMatchObject({ method: 'POST', authUser: TEST_ACCOUNT_SID, status: 200, params: { Status: 'completed' } });
    expect(end).toMatchObject({ by: 'carrier' });
    expect(env.rest.calls.get(call.callSid)?.status).toBe('completed');
    // the apology was heard before the line dropped
    expect(call.heardMs()).toBeGreaterThan(1_000);
    await until('the call process to exit', () => callProcesses() <= 1 || null, 15_000);
  });
});
