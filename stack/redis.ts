import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startService, type Service } from './service.js';

/** True when a Redis answers PING on host:port. */
export async function redisAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  const r = new Redis({ port, host, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * Starts a throw-away Redis (no persistence) on `port`, or returns null when one already answers
 * there (the run mode reuses a Redis the user already has).
 */
export async function startRedis(port: number, opts: { reuse?: boolean; bind?: string } = {}): Promise<Service | null> {
  if (opts.reuse && (await redisAnswers(port))) return null;
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  const svc = await startService(
    `redis-${port}`,
    'redis-server',
    ['--port', String(port), '--bind', opts.bind ?? '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { probe: () => redisAnswers(port), readyTimeoutMs: 15_000 },
  ).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  // nothing is persisted: the working directory goes with the process, however it ends
  void svc.exited.finally(() => rmSync(dir, { recursive: true, force: true }));
  return svc;
}
