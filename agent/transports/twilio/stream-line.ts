import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { type AudioOutput, type CallStatus, type CallTransport, type CallTransportEvents, NO_STATUS } from '../../call/transport.js';
import { log } from '../../log.js';
import type { Transport } from '../../metrics/record.js';
import { PACER_SAMPLE_RATE } from '../../pacer/playback.js';
import { TwilioMediaIn } from './media-in.js';
import { TwilioStreamSink } from './media-out.js';
import { type InboundMessage, parseInbound, type StartMessage } from './protocol.js';
import type { TwilioCallControl } from './rest.js';
import type { StreamTickets } from './stream-token.js';
import { PARAM_FROM, PARAM_TICKET } from './voice-webhook.js';

export interface AcceptOptions {
  tickets: StreamTickets;
  /** The gateway's word that this ticket has not admitted a stream before (one stream per ticket). */
  claim: (ticket: string) => Promise<boolean>;
  control: TwilioCallControl;
  /** From the socket's opening to Twilio's `start`. */
  startTimeoutMs?: number;
  /** After a REST hang-up or transfer, how long Twilio has to end the stream before we close it. */
  stopTimeoutMs?: number;
}

/** Inbound media held between `start` and the call asking for hops (its VAD is being set up). */
const MAX_EARLY_MEDIA = 500; // 10 s of 20 ms messages
/** How long the call may take to set up its stages after start() before the caller's first words are dropped. */
const SET_UP_MS = 10_000;
/** How far the call's reader may fall behind the live stream before its oldest audio is dropped. */
const READER_BEHIND_MS = 1_000;

/** Audio in held media messages, in ms (μ-law 8 kHz: 8 bytes a ms; base64 4 characters per 3 bytes). */
function heldMediaMs(held: InboundMessage[]): number {
  let bytes = 0;
  for (const m of held) if (m.event === 'media') bytes += Math.floor((m.media.payload.length * 3) / 4);
  return Math.ceil(bytes / 8);
}

/**
 * Reads the stream's `connected` and `start` and admits it only with its webhook's ticket for
 * that very CallSid (stream-token.ts) and the μ-law 8 kHz mono format (protocol.ts); anything else
 * closes the socket (1008) and starts no call.
 */
export async function acceptStream(ws: WebSocket, o: AcceptOptions): Promise<TwilioStreamLine> {
  const early: InboundMessage[] = [];
  const start = await new Promise<StartMessage>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      ws.close(1008, why.slice(0, 120));
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no start within ${o.startTimeoutMs ?? 10_000} ms`), o.startTimeoutMs ?? 10_000);
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (isBinary) return fail('binary frame before start');
      let m: InboundMessage;
      try {
        m = parseInbound(data.toString('utf8'));
      } catch (e) {
        return fail((e as Error).message);
      }
      if (m.event === 'connected') return;
      if (m.event !== 'start') return fail(`${m.event} before start`);
      const ticket = m.start.customParameters?.[PARAM_TICKET];
      const why = o.tickets.refuse(m.start.callSid, ticket);
      if (why) return fail(`stream not admitted: ${why}`);
      cleanup();
      // media may follow at once: keep it while the gateway answers the claim (a few ms)
      const hold = (d: Buffer, bin: boolean) => {
        if (bin || early.length >= MAX_EARLY_MEDIA) return;
        try {
          early.push(parseInbound(d.toString('utf8')));
        } catch {
          /* judged again by the line: nothing to keep */
        }
      };
      ws.on('message', hold);
      o.claim(ticket!).then(
        (ok) => {
          ws.off('message', hold);
          if (ok) return resolve(m);
          ws.close(1008, 'stream not admitted: ticket already used');
          reject(new Error('stream not admitted: ticket already used'));
        },
        (e: Error) => {
          ws.off('message', hold);
          ws.close(1011, 'stream not admitted');
          reject(e);
        },
      );
    };
    const onClose = () => fail('closed before start');
    const cleanup = () => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
  });
  return new TwilioStreamLine(ws, start, o, early);
}

/**
 * A call on a Twilio Media Streams WebSocket. The caller's μ-law 8 kHz media becomes 16 kHz hops
 * (media-in.ts); the agent's voice goes out as 20 ms μ-law media messages with a mark each, whose
 * echoes tell the played position for truncation (media-out.ts); barge-in's flush sends `clear`.
 * The caller's keys arrive as `dtmf`; `stop` or the socket closing is the caller hanging up. The
 * agent hangs up and transfers through Twilio's REST API (rest.ts), which ends the stream.
 */
export class TwilioStreamLine extends EventEmitter<CallTransportEvents> implements CallTransport {
  readonly kind: Transport = 'twilio_ws';
  readonly callId: string;
  readonly room: string;
  readonly userId: string;
  readonly callerJoinedAt = Date.now();
  readonly status: CallStatus = NO_STATUS;
  readonly #streamSid: string;
  #sink: TwilioStreamSink | null = null;
  #input: TwilioMediaIn | null = null;
  #ended = false;
  /** Why the stream is ending, when we asked Twilio to end it (hang-up, transfer). */
  #ending: string | null = null;
  #badMessages = 0;

  constructor(
    private readonly ws: WebSocket,
    start: StartMessage,
    private readonly o: AcceptOptions,
    private readonly early: InboundMessage[] = [],
  ) {
    super();
    this.#streamSid = start.start.streamSid;
    this.callId = start.start.callSid;
    this.room = this.#streamSid;
    const from = start.start.customParameters?.[PARAM_FROM];
    this.userId = from && /^\+[1-9]\d{6,14}$/.test(from) ? `tel:${from}` : `twilio:${this.callId}`;
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('close', (code) => this.#end(this.#ending ?? (code === 1000 || code === 1005 ? 'caller hung up' : `stream closed (${code})`)));
    ws.on('error', (e) => log.warn({ err: e.message }, 'twilio: stream socket error'));
  }

  async openOutput(): Promise<AudioOutput> {
    const sink = new TwilioStreamSink({
      streamSid: this.#streamSid,
      send: (text) => {
        if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
      },
    });
    this.#sink = sink;
    return Object.assign(sink, { sampleRate: PACER_SAMPLE_RATE, close: () => {} });
  }

  start(hopSize: number): void {
    if (this.#input) return;
    // what was held before this is queued at once, and the call reads nothing until its stages are
    // up: until the reader first catches up, the bound takes all of that (up to SET_UP_MS of
    // set-up) on top of its usual second, or the caller's first words would be dropped as
    // "reader behind"
    this.#input = new TwilioMediaIn({
      hopSize,
      maxQueuedMs: READER_BEHIND_MS,
      maxQueuedUntilCaughtUpMs: READER_BEHIND_MS + SET_UP_MS + heldMediaMs(this.early),
    });
    for (const m of this.early.splice(0)) this.#dispatch(m);
    this.emit('input', { source: this.#input, hops: this.#input.hops });
  }

  hangUp(reason: string): void {
    if (this.#ending || this.#ended) return;
    this.#ending = reason;
    this.o.control.complete(this.callId).then(
      () => this.#closeAfter(this.o.stopTimeoutMs ?? 5_000),
      (e: Error) => {
        // closing the socket ends <Connect>: with no TwiML after it, Twilio ends the call
        log.error({ err: e.message }, 'twilio: hang-up through the REST API failed; closing the stream');
        this.ws.close(1000, 'agent hung up');
      },
    );
  }

  async transfer(target: string): Promise<void> {
    this.#ending = 'transferred';
    try {
      await this.o.control.dial(this.callId, target);
    } catch (e) {
      this.#ending = null;
      throw e;
    }
    this.#closeAfter(this.o.stopTimeoutMs ?? 5_000);
  }

  figures(): Record<string, unknown> {
    return { out: this.#sink?.stats() ?? null, in: this.#input?.stats() ?? null, ignoredMessages: this.#badMessages };
  }

  /** Ends the socket if it is still open (the call is over, whoever ended it). */
  close(): void {
    this.#input?.close();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(1000, 'call ended');
  }

  #closeAfter(ms: number): void {
    setTimeout(() => this.close(), ms).unref();
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    let m: InboundMessage;
    try {
      if (isBinary) throw new Error('binary frame');
      m = parseInbound(data.toString('utf8'));
    } catch (e) {
      // once, then every 100th: Twilio's messages are not ours to fix, and the call goes on
      if (this.#badMessages++ % 100 === 0) log.warn({ err: (e as Error).message, count: this.#badMessages }, 'twilio: message ignored');
      return;
    }
    if (!this.#input && m.event === 'media') {
      if (this.early.length < MAX_EARLY_MEDIA) this.early.push(m);
      return;
    }
    this.#dispatch(m);
  }

  #dispatch(m: InboundMessage): void {
    switch (m.event) {
      case 'media':
        this.#input?.push(m.media);
        return;
      case 'mark':
        this.#sink?.onMarkEcho(m.mark.name);
        return;
      case 'dtmf':
        this.emit('dtmf', m.dtmf.digit);
        return;
      case 'stop':
        this.#end(this.#ending ?? 'caller hung up');
        return;
      default:
        log.warn({ event: m.event }, 'twilio: unexpected message after start, ignored');
    }
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#input?.close();
    this.emit('hung-up', reason);
  }
}
