import { Redis } from 'ioredis';
import { log } from '../log.js';
import type { ThinkerReport } from '../thinkers/dispatcher.js';
import type { CallSummary } from './call-summary.js';
import type { TurnRecord } from './record.js';
import { CALL_STREAM, THINKER_STREAM, TURN_STREAM } from './recorder.js';

export interface RecordHandlers {
  turn(t: TurnRecord): void;
  call(c: CallSummary): void;
  thinker(r: ThinkerReport): void;
}

/**
 * Follows the Redis streams the job processes write (turns, calls, thinker tasks) from the moment
 * it starts, and hands each new entry of this worker's own jobs to the handlers. One blocking
 * XREAD on a connection of its own; while Redis is down it retries, and the jobs' entries wait in
 * their own queues, so nothing is counted twice or lost once Redis is back.
 */
export class RecordFollower {
  readonly #redis: Redis;
  /** The last id seen per stream. */
  readonly #last = new Map<string, string>([
    [TURN_STREAM, ''],
    [CALL_STREAM, ''],
    [THINKER_STREAM, ''],
  ]);
  #closed = false;

  constructor(
    redisUrl: string,
    private readonly workerId: string,
    private readonly handlers: RecordHandlers,
  ) {
    this.#redis = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.#redis.on('error', (e) => log.debug({ err: e.message }, 'metrics: redis unavailable'));
    void this.#loop();
  }

  /**
   * Where "from now on" is, as ids: XREAD's `$` means new as of each call, so entries written
   * between two calls would be missed.
   */
  async #start(): Promise<void> {
    for (const stream of this.#last.keys()) {
      const [last] = (await this.#redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
      this.#last.set(stream, last?.[0] ?? '0-0');
    }
  }

  async #loop(): Promise<void> {
    let started = false;
    while (!this.#closed) {
      try {
        if (!started) {
          await this.#start();
          started = true;
        }
        const streams = [...this.#last.keys()];
        const res = (await this.#redis.xread(
          'COUNT',
          500,
          'BLOCK',
          2000,
          'STREAMS',
          ...streams,
          ...streams.map((k) => this.#last.get(k)!),
        )) as [string, [string, string[]][]][] | null;
        for (const [stream, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            this.#last.set(stream, id);
            this.#handle(stream, fields);
          }
        }
      } catch (e) {
        if (this.#closed) return;
        log.debug({ err: (e as Error).message }, 'metrics: reading the record streams failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  #handle(stream: string, fields: string[]): void {
    const field = (k: string) => {
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === k) return fields[i + 1];
      return undefined;
    };
    if (field('worker') !== this.workerId) return;
    let value: unknown;
    try {
      value = JSON.parse(field('json') ?? '');
    } catch {
      return;
    }
    if (stream === TURN_STREAM) this.handlers.turn(value as TurnRecord);
    else if (stream === CALL_STREAM) this.handlers.call(value as CallSummary);
    else this.handlers.thinker(value as ThinkerReport);
  }

  close(): void {
    this.#closed = true;
    this.#redis.disconnect();
  }
}
