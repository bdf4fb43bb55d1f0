import type { CallerAudio, CallTransport, CallTransportEvents } from './transport.js';

/** The line's events a call needs its stages for: a new stream of the caller's voice, its end, a key. */
export type HeldEvent = 'input' | 'input-ended' | 'dtmf';
export type HeldEventHandlers = { [K in HeldEvent]: (...args: CallTransportEvents[K]) => void };

const HELD: readonly HeldEvent[] = ['input', 'input-ended', 'dtmf'];

/**
 * Lets a call start its line before the stages that hear the caller exist. The line starts first,
 * so a caller who speaks as the call connects ("hello?") is heard from the first word: what they say
 * while the call builds its VAD, loads their context and opens the Responder (~180 ms, longer on a
 * slow Redis) waits in the stream the line hands over (rtc-node's AudioStream queues every frame;
 * Twilio's media-in holds it until its reader first catches up), and the events that hand it over
 * wait here, in order, until `release`. `hung-up` is not held: ending the call needs no stage.
 */
export class HeldLineEvents {
  #held: [HeldEvent, unknown[]][] = [];
  #handlers: HeldEventHandlers | null = null;
  #closed = false;

  constructor(line: Pick<CallTransport, 'on'>) {
    for (const event of HELD) line.on(event, ((...args: unknown[]) => this.#on(event, args)) as never);
  }

  /** From now on the events go to `handlers`; the held ones first, in the order they came. */
  release(handlers: HeldEventHandlers): void {
    if (this.#handlers) throw new Error('line events already released');
    this.#handlers = handlers;
    for (const [event, args] of this.#held.splice(0)) this.#deliver(event, args);
  }

  /** The call ended before its stages were up: the streams it was handed are never read, so release them. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#held.splice(0).map(([event, args]) => cancelUnread(event, args)));
  }

  #on(event: HeldEvent, args: unknown[]): void {
    if (this.#handlers) this.#deliver(event, args);
    else if (this.#closed) void cancelUnread(event, args);
    else this.#held.push([event, args]);
  }

  #deliver(event: HeldEvent, args: unknown[]): void {
    (this.#handlers![event] as (...a: unknown[]) => void)(...args);
  }
}

function cancelUnread(event: HeldEvent, args: unknown[]): Promise<void> | undefined {
  return event === 'input' ? (args[0] as CallerAudio).hops.cancel().catch(() => {}) : undefined;
}
