import { createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RedisContextRepo } from '../../agent/context/redis-store.js';
import { TURN_STREAM } from '../../agent/metrics/recorder.js';
import type { RealtimeStandin } from '../../openai-standin/server.js';
import { startRedis } from '../../stack/redis.js';
import type { Service } from '../../stack/service.js';
import type { Calls } from '../../callers/dispatch.js';
import { SPEECH_RMS } from '../../callers/heard.js';
import { sleep, until } from '../../callers/wait.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';
import { leadingSilenceMs, speak, trailingSilenceMs } from '../../speech/clips.js';
import { rememberingModel } from '../support/chat-scripts.js';

/**
 * Redis goes away in the middle of a call and comes back. The worker's Redis (context, caches, turn
 * records) is a separate instance from livekit-server's, so only the agent's store is cut off.
 */
const PORT = Number(process.env.PARLEY_TEST_REDIS_PORT ?? 6390) + 7;
let env: CallStack;
let peer: RealtimeStandin;
let calls: Calls;
let agentRedis: Service | null;
let question: Int16Array;
let hello: Int16Array;

beforeAll(async () => {
  agentRedis = await startRedis(PORT);
  env = await startCallStack('redis-outage', { REDIS_URL: `redis://127.0.0.1:${PORT}`, PARLEY_STILL_WORKING_MS: '0' });
  ({ peer, calls } = env);
  [question, hello] = await Promise.all([speak('Please remember that my dog is called Biscuit'), speak('Hello is anyone there please')]);
});

afterAll(async () => {
  await env?.stop();
  await agentRedis?.stop();
});

describe('Redis down mid-call', () => {
  it('the call goes on with in-memory context; what was written meanwhile reaches Redis when it is back', async () => {
    peer.setScript({
      toolCalls: {
        0: {
          name: 'route_to_thinker',
          arguments: JSON.stringify({ domain: 'knowledge', query: 'remember that my dog is called Biscuit' }),
        },
      },
      reply: (_n, i) => (i?.includes('specialist answered') ? 'I will remember Biscuit.' : 'One moment.'),
    });
    peer.setChatScript({
      latencyMs: 50,
      respond: rememberingModel({ fact: 'Has a dog called Biscuit', name: 'Sam' }, 'Noted: your dog is Biscuit.'),
    });
    const { bot, room } = await calls.call();
    await sleep(1000); // context loaded from a live Redis
    await agentRedis!.stop();

    const asked = await bot.say(question);
    // the thinker ran, learnt a fact, and the answer was spoken, all without Redis
    const spoken = await until(
      'the answer without Redis',
      () => peer.responses().find((r) => r.text === 'I will remember Biscuit.' && r.status === 'completed'),
      30_000,
    );
    await until('the answer heard', () => bot.firstSoundAfter(Math.max(asked, spoken.createdAt), SPEECH_RMS), 10_000);

    // what the thinker learnt reached the Responder mid-call (session.update with new instructions)
    await until("instructions refreshed with the caller's name", () =>
      peer.clientEvents().find((e) => e.type === 'session.update' && JSON.stringify(e.payload).includes('Their name is Sam')),
    );

    // Redis comes back (empty: tests run it without persistence); the queued writes arrive
    agentRedis = await startRedis(PORT);
    const r = new Redis(`redis://127.0.0.1:${PORT}`);
    const repo = new RedisContextRepo(r);
    const user = `lk:caller-${room.split('-').at(-1)}`;
    const stored = await until(
      'the fact written after the outage',
      async () => {
        const c = await repo.load(user);
        return c.facts.length > 0 && c;
      },
      20_000,
    );
    expect(stored.facts.map((f) => f.text)).toEqual(['Has a dog called Biscuit']);
    expect(stored.preferences.name).toBe('Sam');
    expect(stored.signals.topics.knowledge).toBe(1);
    // the turn records made during the outage were queued too, not lost
    const turns = await until(
      'turn records after the outage',
      async () => (await r.xrange(TURN_STREAM, '-', '+')).filter(([, f]) => f[1]!.includes(room)),
      20_000,
    );
    expect(turns.length).toBeGreaterThanOrEqual(1);
    r.disconnect();
    await bot.leave();
  });

  it("a call that starts while Redis hangs hears the caller's first words, said while the call waited for it", async () => {
    // a Redis that takes the connection and never answers: the call's context load waits out its
    // bound (1.5 s) before the Responder is opened; the caller speaks as soon as the agent's voice is there
    await agentRedis?.stop();
    agentRedis = null;
    const sockets = new Set<Socket>();
    const hung = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => hung.listen(PORT, '127.0.0.1', r));
    onTestFinished(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => hung.close(r));
      agentRedis = await startRedis(PORT);
    });
    // the speech the Responder was given: from its first to its last 10 ms above −60 dBFS
    const speechMs = (pcm: Int16Array, rate: number) =>
      (pcm.length / rate) * 1000 - leadingSilenceMs(pcm, rate) - trailingSilenceMs(pcm, rate);
    const committed: number[] = [];
    peer.setScript({
      userTranscript: (_n, _ms, audio) => {
        committed.push(speechMs(audio, 24_000));
        return 'hello';
      },
    });
    const sessionsBefore = peer.sessions().length;
    const { bot } = await calls.call();
    const spokeAt = Date.now();
    await bot.say(hello);
    const heardMs = await until('the first turn committed', () => committed[0], 20_000);
    // the caller did speak while the call was still setting up: its Responder came after the words
    const session = await until('the call’s Responder', () => peer.sessions()[sessionsBefore]);
    const openedAt = peer.clientEvents().find((e) => e.session === session)!.at;
    expect(openedAt - spokeAt).toBeGreaterThan(1000);
    // and all of them reached it (Opus moves the edges by a few ms; the first words lost, by the wait)
    expect(heardMs).toBeGreaterThan(speechMs(hello, 48_000) - 60);
    peer.setScript({});
    await bot.leave();
  });
});
