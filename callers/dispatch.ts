import { Redis } from 'ioredis';
import { TURN_STREAM } from '../agent/metrics/recorder.js';
import type { TurnRecord } from '../agent/metrics/record.js';
import { CallerBot } from './webrtc.js';
import { until } from './wait.js';
import type { TestStack } from '../stack/test-stack.js';

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

  constructor(
    private readonly stack: TestStack,
    private readonly prefix: string,
  ) {
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
