import { Redis } from 'ioredis';
import { log } from '../log.js';

/**
 * A Redis connection for the call's context and caches that fails fast while Redis is away (no
 * offline queue, no retries per command) and keeps reconnecting: callers fall back to memory or
 * skip the cache instead of waiting on a command that cannot run.
 */
export function failFastRedis(url: string): Redis {
  const r = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (n) => Math.min(200 * n, 2000),
  });
  let down = false;
  r.on('error', (e) => {
    if (!down) log.warn({ err: e.message }, 'redis unavailable: context in memory, caches skipped');
    down = true;
  });
  r.on('ready', () => {
    if (down) log.info('redis is back');
    down = false;
  });
  return r;
}
