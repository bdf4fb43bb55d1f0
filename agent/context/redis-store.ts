import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { emptyContext, isDomain, MAX_FACTS, normaliseText, type ContextUpdate, type MemoryFact, type UserContext } from './types.js';

/** Context lives 90 days after the caller's last activity. */
export const CONTEXT_TTL_S = 90 * 24 * 3600;

/**
 * The whole update in one server-side script, so concurrent writers (two calls of one caller, or
 * two thinkers of one call) never lose each other's changes: fields are set one by one, counters
 * incremented with HINCRBY, facts deduplicated and capped inside the same atomic step.
 * KEYS: prefs, facts, fact order, summary, signals. ARGV: update JSON, now (ms), ttl (s), max facts.
 */
const APPLY_SCRIPT = `
local u = cjson.decode(ARGV[1])
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local maxFacts = tonumber(ARGV[4])
if type(u.preferences) == 'table' then
  for k, v in pairs(u.preferences) do
    redis.call('HSET', KEYS[1], k, tostring(v))
  end
end
if type(u.facts) == 'table' then
  for i, f in ipairs(u.facts) do
    local at = now + (i - 1) / 1000
    if redis.call('HEXISTS', KEYS[2], f.key) == 0 then
      redis.call('HSET', KEYS[2], f.key, cjson.encode({ text = f.text, source = f.source }))
    end
    redis.call('ZADD', KEYS[3], at, f.key)
  end
  local n = redis.call('ZCARD', KEYS[3])
  if n > maxFacts then
    local old = redis.call('ZRANGE', KEYS[3], 0, n - maxFacts - 1)
    for _, k in ipairs(old) do
      redis.call('HDEL', KEYS[2], k)
      redis.call('ZREM', KEYS[3], k)
    end
  end
end
if type(u.summary) == 'string' then redis.call('SET', KEYS[4], u.summary) end
if type(u.topics) == 'table' then
  for _, d in ipairs(u.topics) do redis.call('HINCRBY', KEYS[5], 'topic:' .. d, 1) end
end
if u.session then redis.call('HINCRBY', KEYS[5], 'sessions', 1) end
redis.call('HSET', KEYS[5], 'last_active', tostring(now))
for i = 1, 5 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ttl) end
end
return 1
`;

/**
 * Redis keys never carry the caller's identifier itself (a phone number is personal data): they
 * carry a hash of it.
 */
export function userKey(userId: string): string {
  return createHash('sha256').update(`parley-user:${userId}`).digest('hex').slice(0, 32);
}

function keys(userId: string): [string, string, string, string, string] {
  const base = `parley:user:${userKey(userId)}`;
  return [`${base}:prefs`, `${base}:facts`, `${base}:facts:order`, `${base}:summary`, `${base}:signals`];
}

/** Typed user context in Redis: read, atomic update, erase. No caching, no fallback (see store.ts). */
export class RedisContextRepo {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('parleyApplyContext', { numberOfKeys: 5, lua: APPLY_SCRIPT });
  }

  async apply(userId: string, u: ContextUpdate, now = Date.now()): Promise<void> {
    const payload = {
      // values as strings here: Lua's cjson would turn an empty list into an object
      preferences:
        u.preferences &&
        Object.fromEntries(
          Object.entries(u.preferences)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        ),
      facts: u.facts
        ?.map((f) => ({ key: normaliseText(f.text), text: f.text.trim(), source: f.source ?? 'conversation' }))
        .filter((f) => f.key),
      summary: u.summary,
      topics: u.topics?.filter(isDomain),
      session: u.session ?? false,
    };
    const cmd = (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>).parleyApplyContext!;
    await cmd.call(this.redis, ...keys(userId), JSON.stringify(payload), String(now), String(CONTEXT_TTL_S), String(MAX_FACTS));
  }

  async load(userId: string): Promise<UserContext> {
    const [kPrefs, kFacts, kOrder, kSummary, kSignals] = keys(userId);
    const res = await this.redis
      .multi()
      .hgetall(kPrefs)
      .hgetall(kFacts)
      .zrevrange(kOrder, 0, -1, 'WITHSCORES')
      .get(kSummary)
      .hgetall(kSignals)
      .exec();
    if (!res) throw new Error('context read aborted');
    for (const [err] of res) if (err) throw err;
    const [prefs, facts, order, summary, signals] = res.map(([, v]) => v) as [
      Record<string, string>,
      Record<string, string>,
      string[],
      string | null,
      Record<string, string>,
    ];
    const ctx = emptyContext(userId);
    for (const [k, v] of Object.entries(prefs)) {
      if (k === 'tickers') ctx.preferences.tickers = safeJson<string[]>(v, []);
      else if (k === 'units') ctx.preferences.units = v === 'imperial' ? 'imperial' : 'metric';
      else if (k === 'name' || k === 'location') ctx.preferences[k] = v;
    }
    for (let i = 0; i < order.length; i += 2) {
      const f = safeJson<Partial<MemoryFact> | null>(facts[order[i]!] ?? '', null);
      if (f?.text) ctx.facts.push({ text: f.text, source: (f.source as MemoryFact['source']) ?? 'conversation', at: Number(order[i + 1]) });
    }
    ctx.summary = summary ?? '';
    for (const [k, v] of Object.entries(signals)) {
      if (k.startsWith('topic:')) {
        const d = k.slice(6);
        if (isDomain(d)) ctx.signals.topics[d] = Number(v);
      } else if (k === 'sessions') ctx.signals.sessionCount = Number(v);
      else if (k === 'last_active') ctx.signals.lastActive = Number(v);
    }
    return ctx;
  }

  /** Forgets a user entirely (right to erasure). Returns how many keys were deleted. */
  async erase(userId: string): Promise<number> {
    return this.redis.del(...keys(userId));
  }
}

function safeJson<T>(raw: string, fallback: T): T {
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}
