import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { userKey } from '../context/redis-store.js';
import { normaliseText, type Domain } from '../context/types.js';
import { log } from '../log.js';

/** How a cached answer is stored. */
interface Cached {
  response: string;
  at: number;
}

/**
 * Per-domain answer cache in Redis. The key carries the domain, the scope ('global', or the hashed
 * user id for answers that depend on the caller) and a hash of the normalised question, so a
 * personal answer can never be served to another caller. Only successful answers are stored
 * (the dispatcher never calls `put` for failures or fallbacks). Redis errors make it a miss.
 */
export class ResultCache {
  constructor(private readonly redis: Redis) {}

  static key(domain: Domain, scope: 'global' | 'user', userId: string, query: string): string {
    const who = scope === 'global' ? 'global' : `u:${userKey(userId)}`;
    const q = createHash('sha256').update(normaliseText(query)).digest('hex').slice(0, 32);
    return `parley:cache:${domain}:${who}:${q}`;
  }

  async get(key: string): Promise<Cached | null> {
    try {
      const raw = await this.redis.get(key);
      return raw ? (JSON.parse(raw) as Cached) : null;
    } catch (e) {
      log.debug({ err: (e as Error).message }, 'cache read skipped');
      return null;
    }
  }

  async put(key: string, response: string, ttlS: number): Promise<void> {
    if (ttlS <= 0) return;
    try {
      await this.redis.set(key, JSON.stringify({ response, at: Date.now() } satisfies Cached), 'EX', ttlS);
    } catch (e) {
      log.debug({ err: (e as Error).message }, 'cache write skipped');
    }
  }
}
