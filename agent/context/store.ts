import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { log } from '../log.js';
import { applyUpdate, changesInstructions } from './apply.js';
import { RedisContextRepo } from './redis-store.js';
import { emptyContext, type ContextUpdate, type UserContext } from './types.js';

export interface ContextStoreEvents {
  /** The context changed in a way the Responder's instructions should reflect. */
  changed: [ctx: UserContext];
  /** Redis answered again and every update made meanwhile has been written. */
  synced: [];
}

/**
 * One caller's context for the length of a call. Reads come from memory; every update is applied
 * in memory at once (the call never waits for Redis) and written behind, in order, through the
 * atomic script. When Redis is down the call goes on with the in-memory context; the queued
 * updates are written when Redis is back, none dropped.
 */
export class ContextStore extends EventEmitter<ContextStoreEvents> {
  readonly #redis: Redis;
  readonly #repo: RedisContextRepo;
  #ctx: UserContext;
  readonly #pending: Array<{ update: ContextUpdate; at: number }> = [];
  #updates = 0;
  #flushing: Promise<void> | null = null;
  #loadedFromRedis = false;
  #closed = false;

  readonly #onReadyListener = () => void this.#onReady();

  /** `redis` should fail fast (failFastRedis): the memory copy is the fallback, the queue is ours. */
  constructor(
    readonly userId: string,
    redis: Redis,
  ) {
    super();
    this.#ctx = emptyContext(userId);
    this.#redis = redis;
    this.#redis.on('ready', this.#onReadyListener);
    this.#repo = new RedisContextRepo(this.#redis);
  }

  get context(): UserContext {
    return this.#ctx;
  }

  /** Updates made in this call (memory), written or not. */
  get updates(): number {
    return this.#updates;
  }

  /** Updates still waiting for Redis. */
  get pendingWrites(): number {
    return this.#pending.length;
  }

  /** Loads the stored context (bounded wait); without Redis the call starts with an empty one. */
  async load(timeoutMs = 1500): Promise<UserContext> {
    try {
      await this.#ready(timeoutMs);
      this.#ctx = this.#replayPending(await this.#repo.load(this.userId));
      this.#loadedFromRedis = true;
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'context: stored context unavailable, starting from memory');
    }
    return this.#ctx;
  }

  /** Applies an update now (memory) and queues it for Redis. */
  update(update: ContextUpdate, now = Date.now()): void {
    if (this.#closed) return;
    this.#ctx = applyUpdate(this.#ctx, update, now);
    this.#updates++;
    this.#pending.push({ update, at: now });
    if (changesInstructions(update)) this.emit('changed', this.#ctx);
    void this.#flush();
  }

  /** Waits (bounded) for queued writes; true when none is left. */
  async drain(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.length && Date.now() < deadline) {
      await (this.#flushing ?? this.#flush());
      if (this.#pending.length) await new Promise((r) => setTimeout(r, 100));
    }
    return this.#pending.length === 0;
  }

  async close(timeoutMs = 3000): Promise<void> {
    if (this.#closed) return;
    const left = (await this.drain(timeoutMs)) ? 0 : this.#pending.length;
    if (left) log.warn({ left }, 'context: updates not written before the call ended');
    this.#closed = true;
    this.#redis.off('ready', this.#onReadyListener);
    this.removeAllListeners();
  }

  /** Writes queued updates one at a time, in order; stops at the first failure and waits for 'ready'. */
  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    const run = async () => {
      try {
        while (this.#pending.length && this.#redis.status === 'ready') {
          const head = this.#pending[0]!;
          await this.#repo.apply(this.userId, head.update, head.at);
          this.#pending.shift();
        }
      } catch (e) {
        log.debug({ err: (e as Error).message, pending: this.#pending.length }, 'context: write deferred');
      }
    };
    // cleared in a later tick: a run that finishes synchronously must not leave a stale promise behind
    const p: Promise<void> = run().then(() => {
      if (this.#flushing === p) this.#flushing = null;
    });
    this.#flushing = p;
    return p;
  }

  async #onReady(): Promise<void> {
    if (this.#closed) return;
    if (!this.#loadedFromRedis) {
      // started without Redis: what was stored before still counts; our updates go on top of it
      try {
        this.#ctx = this.#replayPending(await this.#repo.load(this.userId));
        this.#loadedFromRedis = true;
        this.emit('changed', this.#ctx);
      } catch {
        return;
      }
    }
    await this.#flush();
    if (!this.#pending.length) this.emit('synced');
  }

  #replayPending(stored: UserContext): UserContext {
    return this.#pending.reduce((ctx, p) => applyUpdate(ctx, p.update, p.at), stored);
  }

  /**
   * Redis ready, or why not: refused at once when the connection fails (Redis down: the call must
   * not wait out the bound for it), the bound only for a Redis that is there but does not answer.
   */
  #ready(timeoutMs: number): Promise<void> {
    if (this.#redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(t);
        this.#redis.off('ready', ok);
        this.#redis.off('error', failed);
        if (err) reject(err);
        else resolve();
      };
      const ok = () => done();
      const failed = (e: Error) => done(new Error(`redis unavailable: ${e.message}`));
      const t = setTimeout(() => done(new Error(`redis not ready after ${timeoutMs} ms`)), timeoutMs);
      this.#redis.once('ready', ok);
      this.#redis.once('error', failed);
    });
  }
}
