import { log } from '../agent/log.js';
import { rng } from '../agent/util/rng.js';

/** A wide-area link between the agent and the API: round trip and jitter, as a cloud region away. */
export interface WanOptions {
  /** Round trip, ms (each direction carries half). 0: the stand-in answers at once, as on one host. */
  rttMs: number;
  /** Each message's one-way delay varies by up to ± this, ms (order is kept, as TCP keeps it). */
  jitterMs: number;
  seed?: number;
}

/**
 * The default for `npm start` and `npm run ab`: 100 ms round trip, ±20 ms. The seed measured 122 ms
 * median from speech end to the acknowledged commit against the real API; with a zero-RTT model
 * every latency figure here leaves that out. (A worker in the API's own cloud region sees less;
 * one an ocean away, more.)
 */
export const DEFAULT_WAN: WanOptions = { rttMs: 100, jitterMs: 20 };

/**
 * One direction of the link: messages are delivered after the one-way delay, never before an
 * earlier one (a WebSocket is one ordered stream).
 */
export class WanDirection {
  #lastAt = 0;
  readonly #random: () => number;
  /** Messages on the wire, in order, each with when it arrives; one timer serves the head. */
  readonly #wire: { at: number; deliver: () => void }[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: WanOptions) {
    this.#random = rng(o.seed ?? 11);
  }

  /** Runs `deliver` once the message has crossed the link. */
  send(deliver: () => void): void {
    if (this.o.rttMs <= 0 && this.o.jitterMs <= 0) return deliver();
    const oneWay = Math.max(0, this.o.rttMs / 2 + (this.#random() * 2 - 1) * this.o.jitterMs);
    // never before an earlier message: one ordered stream
    const at = Math.max(performance.now() + oneWay, this.#lastAt);
    this.#lastAt = at;
    this.#wire.push({ at, deliver });
    if (this.#wire.length === 1) this.#arm();
  }

  /** The link is gone: what is still on the wire is lost. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#wire.length = 0;
  }

  #arm(): void {
    const head = this.#wire[0];
    if (!head) return;
    this.#timer = setTimeout(() => this.#arrive(), Math.max(0, head.at - performance.now()));
  }

  #arrive(): void {
    this.#timer = null;
    const now = performance.now();
    while (this.#wire.length && this.#wire[0]!.at <= now + 0.5) {
      const { deliver } = this.#wire.shift()!;
      try {
        deliver();
      } catch (e) {
        log.error({ err: (e as Error).message }, 'realtime stand-in: delivering a message failed');
      }
    }
    this.#arm();
  }
}
