import { initializeLogger } from '@livekit/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import { loadConfig } from '../config/config.js';
import { until } from '../../callers/wait.js';
import { ResponderSession, TRUNCATE_MARGIN_MS } from './session.js';

/**
 * The Responder against the local Realtime stand-in over its real WebSocket protocol: callers of
 * response.create contend (turn, thinker, nudge) and the server never sees a second one while a
 * response is active — it would refuse it, as the real API does.
 */
initializeLogger({ pretty: false, level: 'warn' });
let peer: RealtimeStandin;

beforeAll(async () => {
  peer = await startRealtimeStandin({ script: { modelLatencyMs: 150, delivery: { speed: 20, minChunkMs: 40, maxChunkMs: 200 } } });
});
afterAll(async () => peer?.close());

function responder(): ResponderSession {
  return new ResponderSession(loadConfig({ OPENAI_API_KEY: '', PARLEY_PEER_URL: `${peer.url}/v1`, PARLEY_RESPONSE_WAIT_MS: '8000' }));
}

describe('ResponderSession with the Realtime stand-in', () => {
  it('serialises contending response.create callers: one response at a time, none refused', async () => {
    const r = responder();
    const errors: Error[] = [];
    const done: { id: string; at: number }[] = [];
    r.on('realtime-error', (e) => errors.push(e));
    r.on('response-done', (id, _status, at) => done.push({ id, at }));
    const outcomes = await Promise.all([
      r.requestResponse({ reason: 'turn' }),
      r.requestResponse({ reason: 'thinker' }),
      r.requestResponse({ reason: 'nudge' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'created']);
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (done.length < 3) return;
        clearInterval(t);
        res();
      }, 20);
    });
    expect(errors).toEqual([]);
    const session = peer.sessions().at(-1);
    const creates = peer.clientEvents().filter((e) => e.session === session && e.type === 'response.create');
    expect(creates).toHaveLength(3);
    // each response.create left only after the previous response was done
    for (let i = 1; i < creates.length; i++) expect(creates[i]!.at).toBeGreaterThanOrEqual(done[i - 1]!.at);
    await r.close();
  });

  it('recovers from a refused response.create: the next request is answered', async () => {
    const r = responder();
    r.on('realtime-error', () => {});
    peer.setScript({ refuseNext: 1, modelLatencyMs: 100 });
    const first = await r.requestResponse({ reason: 'turn' });
    expect(first.status).toBe('refused');
    const second = await r.requestResponse({ reason: 'turn' });
    expect(second.status).toBe('created');
    await r.close();
  });

  it('puts a caller transcript that arrives after the answer back at its place', async () => {
    peer.setScript({
      modelLatencyMs: 50,
      userTranscript: () => 'the question',
      reply: () => 'The answer.',
      transcription: { delayMs: 1200 },
    });
    const r = responder();
    const lines: { role: string; text: string; seq: number; at: number }[] = [];
    r.on('transcript', (role, text, seq) => lines.push({ role, text, seq, at: Date.now() }));
    const done: string[] = [];
    r.on('response-done', (id) => done.push(id));
    r.pushAudio(new Int16Array(16_000).fill(2000));
    expect(await r.commit()).toBe(true);
    await r.requestResponse({ reason: 'turn' });
    await until('both transcripts', () => lines.length === 2, 10_000);
    // arrival: the answer first (the transcription is slow), conversation order: the question first
    expect(lines.map((l) => l.role)).toEqual(['agent', 'user']);
    const [agent, user] = lines as [(typeof lines)[0], (typeof lines)[0]];
    expect(user.seq).toBeLessThan(agent.seq);
    expect(done).toHaveLength(1);
    await r.close();
  });

  it('a caller transcription that fails is reported with its code, and nothing is made up', async () => {
    peer.setScript({ modelLatencyMs: 50, transcription: { failures: { 0: { code: 'audio_unintelligible' } } } });
    const r = responder();
    const failed: [number, string][] = [];
    const user: string[] = [];
    r.on('transcript-failed', (seq, code) => failed.push([seq, code]));
    r.on('transcript', (role, text) => role === 'user' && user.push(text));
    r.pushAudio(new Int16Array(16_000).fill(2000));
    expect(await r.commit()).toBe(true);
    await until('the failure', () => failed.length === 1, 10_000);
    expect(failed[0]![1]).toBe('audio_unintelligible');
    expect(user).toEqual([]);
    await r.close();
  });

  it('a truncate near the end of an answer stays inside what the server counts (its ~85 ms shortfall): never refused', async () => {
    peer.setScript({ modelLatencyMs: 50, reply: () => 'A short answer, heard almost to the end.', audioCountShortfallMs: 85 });
    const r = responder();
    const errors: Error[] = [];
    r.on('realtime-error', (e) => errors.push(e));
    let messageId = '';
    let receivedMs = 0;
    r.on('audio', (_id, mid, frame) => {
      messageId = mid;
      receivedMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
    });
    const done: string[] = [];
    r.on('response-done', (id) => done.push(id));
    await r.requestResponse({ reason: 'turn' });
    await until('the answer', () => done.length === 1, 10_000);
    await new Promise((res) => setTimeout(res, 200)); // the last frames reach the listener
    // heard all of it: nothing to truncate
    expect(await r.truncate(messageId, receivedMs + 5)).toBeNull();
    // heard all but the last 30 ms: kept inside the server's count, so accepted
    const sent = await r.truncate(messageId, receivedMs - 30);
    expect(sent).toBeCloseTo(receivedMs - TRUNCATE_MARGIN_MS, 0);
    const truncated = await until('the truncate', () =>
      peer.clientEventsOf('conversation.item.truncate').find((e) => e.payload.item_id === messageId),
    );
    expect(truncated.payload.audio_end_ms).toBe(Math.floor(sent!));
    await new Promise((res) => setTimeout(res, 300));
    expect(errors.map((e) => e.message)).toEqual([]);
    // mid-answer, the position is what was heard, as it is
    expect(await r.truncate(messageId, 400)).toBe(400);
    await r.close();
  });
});
