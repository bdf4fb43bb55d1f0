import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { log } from '../log.js';
import type { ThinkerReport } from '../thinkers/dispatcher.js';
import type { CallSummary } from './call-summary.js';
import type { TurnRecord } from './record.js';

/** Redis stream the turn records go to; the report reads it. */
export const TURN_STREAM = 'parley:turns';
/** Redis stream of finished calls (load and soak runs read it). */
export const CALL_STREAM = 'parley:calls';
/** Redis stream of finished thinker tasks (the worker's metrics read it). */
export const THINKER_STREAM = 'parley:thinkers';
/**
 * A worker's id: its host and pid. Each entry carries its job's worker (the job's parent), so a
 * worker's /metrics counts its own jobs when many workers share one Redis.
 */
export const workerId = (workerPid: number) => `${hostname()}:${workerPid}`;
/** Keep the stream bounded (approximate trimming is O(1)). */
const STREAM_MAXLEN = 200_000;

export interface TurnSink {
  record(turn: TurnRecord): void;
  close(): Promise<void>;
}

/**
 * Emits each finished turn as one pino line and appends it to a Redis stream. Nothing here blocks
 * the audio path: the XADD is queued by ioredis, which keeps commands while Redis is unreachable
 * and sends them when it is back (maxRetriesPerRequest: null), so a Redis outage loses no records.
 */
export class TurnRecorder implements TurnSink {
  readonly #redis: Redis;
  #pending = new Set<Promise<unknown>>();

  constructor(redisUrl: string) {
    this.#redis = new Redis(redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
    this.#redis.on('error', (e) => log.debug({ err: e.message }, 'turn recorder: redis unavailable, records queued'));
  }

  record(turn: TurnRecord): void {
    log.info({ turn }, 'turn');
    this.#append(TURN_STREAM, turn);
  }

  recordCall(call: CallSummary): void {
    log.info({ call }, 'call summary');
    this.#append(CALL_STREAM, call);
  }

  /** A thinker task's outcome (the dispatcher logs it already). */
  recordThinker(report: ThinkerReport): void {
    this.#append(THINKER_STREAM, report);
  }

  readonly #worker = workerId(process.ppid);

  #append(stream: string, value: unknown): void {
    const p = this.#redis
      .xadd(stream, 'MAXLEN', '~', String(STREAM_MAXLEN), '*', 'json', JSON.stringify(value), 'worker', this.#worker)
      .catch((e: Error) => log.warn({ err: e.message, stream }, 'record not stored'))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Waits (bounded) for queued records to reach Redis, then disconnects. */
  async close(timeoutMs = 3000): Promise<void> {
    const all = Promise.allSettled([...this.#pending]);
    await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs))]);
    this.#redis.disconnect();
  }
}
