import { Redis } from 'ioredis';
import { TURN_STREAM } from '../../agent/turns/recorder.js';
import type { TurnRecord } from '../../agent/turns/record.js';
import { CallerBot, rmsOf } from './caller.js';
import type { TestStack } from './stack.js';

/** RMS (int16) above which a 20 ms window of received audio counts as speech. */
export const SPEECH_RMS = 500;

/** Polls `fn` (sync or async) until it returns something truthy. */
export async function until<T>(what: string, fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Dispatches the agent into `room` and joins it as a WebRTC caller, without waiting for the agent
 * (whether it comes is what some tests are about).
 */
export async function dispatchAndJoin(stack: TestStack, room: string, identity = `caller-${room}`): Promise<CallerBot> {
  await stack.dispatch.createDispatch(room, 'parley');
  return CallerBot.join({ url: stack.url, room, identity, apiKey: stack.apiKey, apiSecret: stack.apiSecret });
}

/** Dispatches the agent into a fresh room and joins it as a WebRTC caller. */
export class Calls {
  #seq = 0;
  readonly #redis: Redis;
  #turns: TurnRecord[] = [];
  readonly #poll: NodeJS.Timeout;

  constructor(private readonly stack: TestStack, private readonly prefix: string) {
    this.#redis = new Redis(stack.redisUrl);
    // the turn stream, refreshed in the background so assertions can poll it synchronously
    this.#poll = setInterval(() => {
      this.#redis
        .xrange(TURN_STREAM, '-', '+')
        .then((e) => (this.#turns = e.map(([, f]) => JSON.parse(f[1]!) as TurnRecord)))
        .catch(() => {});
    }, 100);
  }

  async call(): Promise<{ bot: CallerBot; room: string }> {
    const room = `${this.prefix}-${process.pid}-${++this.#seq}`;
    const bot = await dispatchAndJoin(this.stack, room, `caller-${this.#seq}`);
    await until('the agent to join', () => bot.agentIdentity, 30_000);
    return { bot, room };
  }

  turns(room: string): TurnRecord[] {
    return this.#turns.filter((t) => t.room === room);
  }

  close(): void {
    clearInterval(this.#poll);
    this.#redis.disconnect();
  }
}

/** 20 ms windows of `s` whose RMS says speech. */
export function voicedWindows(s: Int16Array, rate: number): number {
  const w = rate / 50;
  let n = 0;
  for (let i = 0; i + w <= s.length; i += w) if (rmsOf(s.subarray(i, i + w)) > SPEECH_RMS) n++;
  return n;
}
