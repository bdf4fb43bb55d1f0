import { initializeLogger } from '@livekit/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import { loadConfig } from '../config/config.js';
import { ResponderSession } from './session.js';

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
    r.on('error', (e) => errors.push(e));
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
    r.on('error', () => {});
    peer.setScript({ refuseNext: 1, modelLatencyMs: 100 });
    const first = await r.requestResponse({ reason: 'turn' });
    expect(first.status).toBe('refused');
    const second = await r.requestResponse({ reason: 'turn' });
    expect(second.status).toBe('created');
    await r.close();
  });
});
