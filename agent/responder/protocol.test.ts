import { initializeLogger } from '@livekit/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, until } from '../../callers/wait.js';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import { rawRealtimeClient } from '../../test/support/realtime-client.js';
import { loadConfig } from '../config/config.js';
import { routeToolContext } from '../thinkers/route-tool.js';
import { ResponderSession } from './session.js';

/**
 * Both directions of the Realtime protocol, checked against OpenAI's published event schemas
 * (../shared/openai-realtime): what the real plugin sends for everything Parley asks of it, and
 * everything the local stand-in answers. The stand-in refuses a client event the schema refuses,
 * as the API does, and counts any event of its own that the API would never send.
 */
initializeLogger({ pretty: false, level: 'warn' });
let standin: RealtimeStandin;

beforeAll(async () => {
  standin = await startRealtimeStandin({
    script: {
      modelLatencyMs: 80,
      delivery: { speed: 4, minChunkMs: 40, maxChunkMs: 120 },
      toolCalls: { 1: { name: 'route_to_thinker', arguments: '{"domain":"weather","query":"weather in Oslo"}', say: 'Let me check.' } },
      reply: (n) => (n === 3 ? 'A long answer that the caller will interrupt part of the way through, as callers do.' : 'Sure.'),
    },
  });
});
afterAll(async () => standin?.close());

/** A bare WebSocket client of the stand-in, keeping every server event it receives. */
const rawClient = () => rawRealtimeClient(standin.url);

describe('the Realtime protocol against OpenAI schemas', () => {
  it('a whole call through the real plugin: 0 failures in either direction', async () => {
    expect(standin.validating, 'OpenAI schemas not found beside the project (../shared/openai-realtime)').toBe(true);
    const r = new ResponderSession(loadConfig({ OPENAI_API_KEY: '', PARLEY_PEER_URL: `${standin.url}/v1` }), {
      instructions: 'Be brief.',
      tools: routeToolContext(),
    });
    const errors: Error[] = [];
    r.on('realtime-error', (e) => errors.push(e));
    const done: string[] = [];
    r.on('response-done', (id) => done.push(id));
    const calls: { responseId: string; callId: string; args: string }[] = [];
    r.on('function-call', (responseId, call) => calls.push({ responseId, callId: call.callId, args: call.args }));
    let messageId = '';
    r.on('audio', (_id, mid) => (messageId = mid));

    // a caller turn, answered with speech
    r.pushAudio(new Int16Array(16_000).fill(2000));
    expect(await r.commit()).toBe(true);
    expect((await r.requestResponse({ reason: 'turn' })).status).toBe('created');
    await until('the first answer', () => done.length >= 1);
    // a turn answered with a tool call, its output submitted, then spoken about
    r.pushAudio(new Int16Array(16_000).fill(2000));
    await r.commit();
    await r.requestResponse({ reason: 'turn' });
    const call = await until('the tool call', () => calls[0]);
    expect(JSON.parse(call.args)).toEqual({ domain: 'weather', query: 'weather in Oslo' });
    await until('the tool response done', () => done.length >= 2);
    r.submitToolOutput(call.callId, JSON.stringify({ status: 'ok', answer: 'mild' }));
    await r.requestResponse({ reason: 'thinker' });
    await until('the spoken result', () => done.length >= 3);
    // an answer the caller talks over: cancel, then truncate at what was heard
    await r.requestResponse({ reason: 'turn' });
    await until('audio of the long answer', () => messageId && done.length === 3 && messageId);
    await sleep(150);
    await r.cancel(r.activity.activeId);
    await r.truncate(messageId, 100);
    await until('the cancelled response done', () => done.length >= 4);
    // what a thinker learnt reaches the Responder mid-call; a too-short turn is cleared, not committed
    await r.updateInstructions('Be brief. The caller lives in Oslo.');
    r.pushAudio(new Int16Array(800));
    expect(await r.commit()).toBe(false);
    await sleep(300);
    await r.close();

    const session = standin.sessions().at(-1);
    const sent = new Set(
      standin
        .clientEvents()
        .filter((e) => e.session === session)
        .map((e) => e.type),
    );
    // the tool call came with speech before it, its arguments streamed: the plugin saw both
    expect(r.responseHadAudio(calls[0]!.responseId)).toBe(true);
    for (const t of [
      'session.update',
      'input_audio_buffer.append',
      'input_audio_buffer.commit',
      'input_audio_buffer.clear',
      'response.create',
      'response.cancel',
      'conversation.item.create',
      'conversation.item.truncate',
    ]) {
      expect(sent, t).toContain(t);
    }
    expect(standin.schemaFailures()).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('refuses a client event the schema refuses, as the API does (a session.update without its type)', async () => {
    const { ws, got } = await rawClient();
    ws.send(JSON.stringify({ type: 'session.update', event_id: 'evt_1', session: { instructions: 'never applied' } }));
    const err = await until('the error', () => got.find((e) => e.type === 'error'));
    expect(err.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'missing_required_parameter',
      param: 'session.type',
      message: "Missing required parameter: 'session.type'.",
      event_id: 'evt_1',
    });
    expect(got.some((e) => e.type === 'session.updated')).toBe(false);
    expect(
      standin
        .schemaFailures()
        .filter((f) => f.direction === 'client')
        .map((f) => f.type),
    ).toEqual(['session.update']);
    ws.close();
  });

  it('refuses a voice change once the assistant has spoken, as the API does', async () => {
    const { ws, got } = await rawClient();
    const voice = (v: string, id: string) =>
      ws.send(JSON.stringify({ type: 'session.update', event_id: id, session: { type: 'realtime', audio: { output: { voice: v } } } }));
    voice('verse', 'evt_before'); // before any audio: allowed
    await until('the update', () => got.find((e) => e.type === 'session.updated'));
    ws.send(JSON.stringify({ type: 'response.create' }));
    await until('the answer', () => got.find((e) => e.type === 'response.done'));
    voice('alloy', 'evt_after');
    const err = await until('the refusal', () => got.find((e) => e.type === 'error'));
    expect(err.error).toMatchObject({ code: 'cannot_update_voice', event_id: 'evt_after' });
    ws.close();
  });

  it('a fatal error (insufficient_quota) ends the session for good: reported once, later requests refused at once', async () => {
    const fatal = await startRealtimeStandin({
      script: {
        modelLatencyMs: 50,
        endings: { 0: { status: 'failed', afterDeltas: 0, code: 'insufficient_quota', type: 'insufficient_quota' } },
      },
    });
    try {
      const r = new ResponderSession(loadConfig({ OPENAI_API_KEY: '', PARLEY_PEER_URL: `${fatal.url}/v1` }));
      const fatals: string[] = [];
      r.on('fatal', (code) => fatals.push(code));
      r.on('realtime-error', () => {});
      const dones: [string, string | null][] = [];
      r.on('response-done', (_id, status, _at, detail) => dones.push([status, detail]));
      expect((await r.requestResponse({ reason: 'turn' })).status).toBe('created');
      await until('the fatal error', () => fatals.length > 0);
      expect(fatals).toEqual(['insufficient_quota']);
      expect(r.fatal).toBe('insufficient_quota');
      expect(dones).toEqual([['failed', 'insufficient_quota']]);
      const t0 = performance.now();
      const next = await r.requestResponse({ reason: 'apology' });
      expect(next.status).toBe('refused');
      expect(performance.now() - t0).toBeLessThan(100); // not the plugin's 10 s wait
      await sleep(300);
      expect(fatals).toHaveLength(1);
      await r.close();
      expect(fatal.schemaFailures()).toEqual([]);
    } finally {
      await fatal.close();
    }
  });

  it('a model the API does not serve (a misspelt PARLEY_REALTIME_MODEL) is fatal: model_not_found, once, requests refused at once', async () => {
    const r = new ResponderSession(
      loadConfig({ OPENAI_API_KEY: '', PARLEY_PEER_URL: `${standin.url}/v1`, PARLEY_REALTIME_MODEL: 'gpt-realtime-nope' }),
    );
    const fatals: string[] = [];
    r.on('fatal', (code) => fatals.push(code));
    r.on('realtime-error', () => {});
    expect((await r.requestResponse({ reason: 'turn' })).status).toBe('created');
    await until('the fatal error', () => fatals.length > 0);
    expect(fatals).toEqual(['model_not_found']);
    const t0 = performance.now();
    expect((await r.requestResponse({ reason: 'apology' })).status).toBe('refused');
    expect(performance.now() - t0).toBeLessThan(100);
    await sleep(300);
    expect(fatals).toHaveLength(1);
    await r.close();
  });

  it('a session the API refuses as it opens (an unknown model, by the other reported behaviour): fatal, and the plugin stops retrying', async () => {
    const refusing = await startRealtimeStandin({ script: { unknownModelAtConnect: true } });
    try {
      const r = new ResponderSession(
        loadConfig({ OPENAI_API_KEY: '', PARLEY_PEER_URL: `${refusing.url}/v1`, PARLEY_REALTIME_MODEL: 'gpt-realtime-nope' }),
      );
      const fatals: string[] = [];
      let reconnects = 0;
      r.on('fatal', (code) => fatals.push(code));
      r.on('reconnected', () => reconnects++);
      r.on('realtime-error', () => {});
      await until('the fatal error', () => fatals.length > 0, 5000);
      expect(fatals).toEqual(['realtime_unavailable']);
      expect((await r.requestResponse({ reason: 'apology' })).status).toBe('refused');
      const upgrades = () => refusing.connections();
      const before = upgrades();
      await sleep(1000);
      // the plugin's retry loop is stopped: no storm of connections goes on
      expect(upgrades() - before).toBeLessThan(5);
      expect(reconnects).toBeLessThan(5);
      await r.close();
    } finally {
      await refusing.close();
    }
  });
});
