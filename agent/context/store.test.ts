import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRedis } from '../../stack/redis.js';
import type { Service } from '../../stack/service.js';
import { applyUpdate } from './apply.js';
import { RedisContextRepo, userKey } from './redis-store.js';
import { failFastRedis } from './redis-client.js';
import { ContextStore } from './store.js';
import { DOMAINS, emptyContext, MAX_FACTS, type ContextUpdate } from './types.js';

// Real Redis on a private port (started and stopped here).
const PORT = 6400 + (process.pid % 500);
const URL_ = `redis://127.0.0.1:${PORT}`;
let redis: Service | null;
let client: Redis;
let repo: RedisContextRepo;

beforeAll(async () => {
  redis = await startRedis(PORT);
  client = new Redis(URL_);
  repo = new RedisContextRepo(client);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

const uid = (s: string) => `test:${s}:${Math.random().toString(36).slice(2)}`;

describe('RedisContextRepo', () => {
  it('stores preferences, deduplicated facts, summary and signals, and reads them back typed', async () => {
    const u = uid('roundtrip');
    await repo.apply(u, {
      preferences: { name: 'Ada', units: 'imperial', tickers: [] },
      facts: [{ text: 'Has a dog named Rex', source: 'knowledge' }],
      session: true,
    });
    await repo.apply(u, {
      facts: [{ text: 'has a dog, named   REX!' }, { text: 'Lives near the sea' }],
      topics: ['weather', 'weather'],
      summary: 'Talked about dogs.',
    });
    const ctx = await repo.load(u);
    expect(ctx.preferences).toEqual({ name: 'Ada', units: 'imperial', tickers: [] });
    expect(ctx.facts.map((f) => f.text)).toEqual(['Lives near the sea', 'Has a dog named Rex']);
    expect(ctx.facts[1]!.source).toBe('knowledge');
    expect(ctx.summary).toBe('Talked about dogs.');
    expect(ctx.signals.topics.weather).toBe(2);
    expect(ctx.signals.sessionCount).toBe(1);
    expect(ctx.signals.lastActive).toBeGreaterThan(0);
  });

  it('caps memory at MAX_FACTS, dropping the oldest, exactly like the in-memory rules', async () => {
    const u = uid('cap');
    let mem = emptyContext(u);
    for (let i = 0; i < MAX_FACTS + 7; i++) {
      const up: ContextUpdate = { facts: [{ text: `fact number ${i}` }] };
      await repo.apply(u, up, 1000 + i);
      mem = applyUpdate(mem, up, 1000 + i);
    }
    const ctx = await repo.load(u);
    expect(ctx.facts).toHaveLength(MAX_FACTS);
    expect(ctx.facts[0]!.text).toBe(`fact number ${MAX_FACTS + 6}`);
    expect(ctx.facts.map((f) => f.text)).toEqual(mem.facts.map((f) => f.text));
  });

  it('hashes the user id in keys (a phone number never appears in Redis) and erases a user', async () => {
    const u = 'tel:+15551234567';
    await repo.apply(u, { preferences: { location: 'Oslo' }, facts: [{ text: 'x y' }] });
    const all = await client.keys('parley:user:*');
    expect(all.some((k) => k.includes('5551234567'))).toBe(false);
    expect(all.some((k) => k.includes(userKey(u)))).toBe(true);
    expect(await repo.erase(u)).toBeGreaterThanOrEqual(3);
    expect(await repo.load(u)).toEqual(emptyContext(u));
  });

  it('loses nothing under 100 concurrent updates from four connections', async () => {
    const u = uid('concurrent');
    const conns = Array.from({ length: 4 }, () => new Redis(URL_));
    const repos = conns.map((c) => new RedisContextRepo(c));
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        repos[i % 4]!.apply(u, {
          topics: [DOMAINS[i % DOMAINS.length]!],
          preferences: i === 37 ? { name: 'Grace' } : i === 71 ? { location: 'Lima' } : undefined,
          facts: i % 10 === 0 ? [{ text: `Concurrent fact ${i / 10}` }] : undefined,
          session: i % 25 === 0,
        }),
      ),
    );
    for (const c of conns) c.disconnect();
    const ctx = await repo.load(u);
    const total = Object.values(ctx.signals.topics).reduce((a, b) => a + (b ?? 0), 0);
    expect(total).toBe(100);
    for (const d of DOMAINS) expect(ctx.signals.topics[d]).toBe(20);
    expect(ctx.signals.sessionCount).toBe(4);
    expect(ctx.preferences).toEqual({ name: 'Grace', location: 'Lima' });
    expect(ctx.facts).toHaveLength(10);
  });
});

describe('ContextStore (memory first, written behind)', () => {
  it('keeps the call going while Redis is down and writes everything once it is back', async () => {
    const port = PORT + 1;
    let r2 = await startRedis(port);
    // stopped whatever happens: a failed assertion must not leave a Redis running
    onTestFinished(async () => {
      await r2?.stop();
    });
    const u = uid('outage');
    const conn = failFastRedis(`redis://127.0.0.1:${port}`);
    const store = new ContextStore(u, conn);
    await store.load();
    store.update({ preferences: { name: 'Lin' }, session: true });
    expect(await store.drain()).toBe(true);

    await r2!.stop();
    store.update({ facts: [{ text: 'Allergic to peanuts' }], topics: ['knowledge'] });
    store.update({ preferences: { location: 'Kyoto' }, topics: ['weather'] });
    // the call sees its own updates at once
    expect(store.context.preferences).toEqual({ name: 'Lin', location: 'Kyoto' });
    expect(store.context.facts.map((f) => f.text)).toEqual(['Allergic to peanuts']);
    await new Promise((r) => setTimeout(r, 300));
    expect(store.pendingWrites).toBe(2);

    // Redis comes back (empty: no persistence in tests) and the call's queued writes reach it
    const synced = new Promise<void>((r) => store.once('synced', r));
    r2 = await startRedis(port);
    await synced;
    const c = new Redis(`redis://127.0.0.1:${port}`);
    const stored = await new RedisContextRepo(c).load(u);
    c.disconnect();
    expect(stored.facts.map((f) => f.text)).toEqual(['Allergic to peanuts']);
    expect(stored.preferences.location).toBe('Kyoto');
    expect(stored.signals.topics).toEqual({ knowledge: 1, weather: 1 });
    await store.close();
    conn.disconnect();
  });

  it('starts a call from memory at once when Redis is down, and writes it when Redis comes up', async () => {
    const port = PORT + 2;
    let r3: Service | null = null;
    onTestFinished(async () => {
      await r3?.stop();
    });
    const u = uid('down-at-start');
    const conn = failFastRedis(`redis://127.0.0.1:${port}`);
    const store = new ContextStore(u, conn);
    // refused at once, not after the bound (an hour here: waiting it out would time the test out)
    expect((await store.load(3_600_000)).facts).toEqual([]);
    store.update({ facts: [{ text: 'Speaks Welsh' }] });
    const synced = new Promise<void>((r) => store.once('synced', r));
    r3 = await startRedis(port);
    await synced;
    const c = new Redis(`redis://127.0.0.1:${port}`);
    expect((await new RedisContextRepo(c).load(u)).facts.map((f) => f.text)).toEqual(['Speaks Welsh']);
    c.disconnect();
    await store.close();
    conn.disconnect();
  });

  it('emits changed when the instructions should change, not for counters', async () => {
    const store = new ContextStore(uid('changed'), client);
    await store.load();
    let n = 0;
    store.on('changed', () => n++);
    store.update({ topics: ['news'] });
    store.update({ preferences: { units: 'metric' } });
    expect(n).toBe(1);
    await store.close();
  });
});
