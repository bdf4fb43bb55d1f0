import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { initializeLogger } from '@livekit/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../callers/wait.js';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import { loadConfig } from '../config/config.js';
import { ResponderSession } from './session.js';

/**
 * Client events leave through our send loop (send-loop.ts): each is gone from memory once sent.
 * Plugin 1.9's own loop kept every event it ever sent (all the caller's audio) until the
 * connection ended: issue #22, ~230 KB per turn.
 */
initializeLogger({ pretty: false, level: 'warn' });
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
let peer: RealtimeStandin;

beforeAll(async () => {
  peer = await startRealtimeStandin({ script: { modelLatencyMs: 100, delivery: { speed: 20, minChunkMs: 40, maxChunkMs: 200 } } });
});
afterAll(async () => peer?.close());

function responder(env: Record<string, string> = {}): ResponderSession {
  return new ResponderSession(
    loadConfig({ OPENAI_API_KEY: '', PARLEY_PEER_URL: `${peer.url}/v1`, PARLEY_RESPONSE_WAIT_MS: '8000', ...env }),
  );
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
/** One caller utterance of `ms` at 16 kHz, pushed as the gate does (10 ms hops), then committed. */
async function speak(r: ResponderSession, ms: number): Promise<void> {
  for (let i = 0; i < ms / 10; i++) {
    const hop = new Int16Array(160);
    for (let k = 0; k < hop.length; k++) hop[k] = Math.round(3000 * Math.sin((2 * Math.PI * 220 * (i * 160 + k)) / 16_000));
    r.pushAudio(hop);
  }
  expect(await r.commit()).toBe(true);
}

describe('the send loop', () => {
  it('keeps no client event once it is sent: 10 turns of caller audio are collectable', async () => {
    const r = responder();
    const sent: WeakRef<object>[] = [];
    r.realtime.on('openai_client_event_queued', (ev: { type: string }) => {
      if (ev.type === 'input_audio_buffer.append') sent.push(new WeakRef(ev));
    });
    const session = () => peer.sessions().at(-1);
    await until('a session', () => session());
    for (let turn = 0; turn < 10; turn++) await speak(r, 1000);
    // 10 × 1 s of audio in 100 ms appends, all received by the server
    await until('the appends at the server', () =>
      peer.clientEventsOf('input_audio_buffer.append').filter((e) => e.session === session()).length >= 100 ? true : undefined,
    );
    expect(sent.length).toBeGreaterThanOrEqual(100);
    for (let i = 0; i < 3; i++) {
      await sleep(20);
      gc();
    }
    const alive = sent.filter((w) => w.deref() !== undefined).length;
    // with the plugin's loop every one of them is alive until the connection ends
    expect(alive).toBeLessThanOrEqual(2);
    await r.close();
  });

  it('sends in order, and after a dropped connection the next events reach the new session', async () => {
    const r = responder();
    r.on('realtime-error', () => {});
    const reconnected: (string | null)[] = [];
    r.on('reconnected', (lost) => reconnected.push(lost));
    peer.setScript({ dropAfterDeltas: 3, modelLatencyMs: 50, delivery: { speed: 1, minChunkMs: 60, maxChunkMs: 120 } });
    await speak(r, 600);
    const first = await r.requestResponse({ reason: 'turn' });
    expect(first.status).toBe('created');
    await until('the reconnect', () => (reconnected.length ? true : undefined), 15_000);
    peer.setScript({ modelLatencyMs: 50, delivery: { speed: 20, minChunkMs: 40, maxChunkMs: 200 } });
    const session = peer.sessions().at(-1);
    // the first events queued after the reconnect are not swallowed: the turn is committed and answered
    await speak(r, 600);
    const second = await r.requestResponse({ reason: 'turn' });
    expect(second.status).toBe('created');
    const types = peer
      .clientEvents()
      .filter((e) => e.session === session)
      .map((e) => e.type);
    expect(types).toContain('input_audio_buffer.commit');
    expect(types).toContain('response.create');
    // appends, then the commit, then the response.create: in the order they were queued
    expect(types.lastIndexOf('input_audio_buffer.append')).toBeLessThan(types.indexOf('input_audio_buffer.commit'));
    expect(types.indexOf('input_audio_buffer.commit')).toBeLessThan(types.lastIndexOf('response.create'));
    await r.close();
  });

  it('a planned renewal: the new connection gets the next turn, the old one nothing after it', async () => {
    const r = responder({ PARLEY_REALTIME_RENEW_MS: '5000' });
    const renewed: boolean[] = [];
    r.on('reconnected', (_lost, planned) => renewed.push(planned));
    await speak(r, 600);
    expect((await r.requestResponse({ reason: 'turn' })).status).toBe('created');
    const old = peer.sessions().at(-1);
    await until('the renewal', () => (renewed.length ? true : undefined), 15_000);
    expect(renewed).toEqual([true]);
    const renewedAt = Date.now();
    await speak(r, 600);
    expect((await r.requestResponse({ reason: 'turn' })).status).toBe('created');
    const fresh = peer.sessions().at(-1);
    expect(fresh).not.toBe(old);
    expect(peer.clientEvents().filter((e) => e.session === fresh && e.type === 'input_audio_buffer.commit')).toHaveLength(1);
    expect(peer.clientEvents().filter((e) => e.session === old && e.at > renewedAt)).toEqual([]);
    await r.close();
  });
});
