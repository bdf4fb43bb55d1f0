import { EventEmitter, once } from 'node:events';
import WebSocket from 'ws';
import { rmsOf } from '../../agent/audio/pcm.js';
import { resampleWhole, ulawDecode, ulawEncode } from '../../agent/audio/g711.js';
import type { HeardChunk } from '../webrtc.js';
import { startDeadlineClock, wallNow } from './clock.js';
import { type CarrierMessage, checkAgentMessage } from './messages.js';
import { FRAME_BYTES, Playout } from './playout.js';

/** Samples in one 20 ms frame at 8 kHz (one μ-law byte each). */
const FRAME_SAMPLES = FRAME_BYTES;
const FRAME_MS = 20;
const SILENCE = 0xff; // μ-law of 0

export interface CallEnd {
  /** Who ended the stream: the carrier (hang-up, REST update, a protocol violation) or the agent (it closed the socket). */
  by: 'carrier' | 'agent';
  reason: string;
  /** WebSocket close code as this side saw it. */
  code: number;
  at: number;
}

export interface EchoedMark {
  name: string;
  /** Wall ms the echo was sent. */
  at: number;
  /** `played`: all audio before it had played; `clear`: a clear released it (the docs: clear "causes any mark messages to be sent back"). */
  released: 'played' | 'clear';
}

export interface ClearReceived {
  at: number;
  /** Ms of the agent's audio buffered and never played. */
  discardedMs: number;
  marksReleased: string[];
}

/** A media message that carried the caller's speech: samples [from, to) of all speech queued with send(). */
export interface SpeechFrame {
  at: number;
  from: number;
  to: number;
}

export interface Violation {
  at: number;
  message: string;
}

export interface Utterance {
  /** Sample index (in all speech sent on this call) of its first and one past its last sample. */
  from: number;
  to: number;
  /** Wall ms the media messages carrying its first and its last sample were sent. */
  sent: Promise<{ firstAt: number; lastAt: number }>;
}

/** What a protocol violation does to the stream; see TwilioCarrier's option of the same name. */
export type ViolationPolicy = 'close' | 'ignore';

export interface CallIdentity {
  accountSid: string;
  callSid: string;
  streamSid: string;
  from: string;
  to: string;
  streamUrl: string;
  customParameters: Record<string, string>;
}

/**
 * One call's Media Stream as Twilio runs it, from the carrier side: `connected` and `start`, then a
 * `media` message every 20 ms on a deadline clock (the caller's queued speech, μ-law silence when
 * there is none), the agent's audio played from a buffer in real time, marks echoed once the audio
 * before them has played, `clear` honoured, `dtmf`, and `stop` when the call ends.
 */
export class CarrierCall {
  readonly heard: HeardChunk[] = [];
  readonly marks: EchoedMark[] = [];
  readonly clears: ClearReceived[] = [];
  readonly violations: Violation[] = [];
  readonly speechFrames: SpeechFrame[] = [];
  /** Every message the carrier sent, as sent (media payloads included). */
  readonly sentMessages: CarrierMessage[] = [];
  /** Wall ms `start` was sent, the stream's time zero for `media.timestamp`. */
  readonly startedAt: number;
  readonly closed: Promise<CallEnd>;
  ended: CallEnd | null = null;

  readonly #ws: WebSocket;
  readonly #playout = new Playout();
  readonly #events = new EventEmitter();
  readonly #policy: ViolationPolicy;
  readonly #clock: { stop(): void };
  #sequence = 0;
  #chunk = 0;
  #speech: Int16Array[] = [];
  #speechOffset = 0;
  #speechQueued = 0; // samples ever queued
  #speechSent = 0; // samples ever sent
  #utterances: { u: Utterance; firstAt: number | null; resolve: (v: { firstAt: number; lastAt: number }) => void }[] = [];
  #closing: { reason: string } | null = null;

  constructor(
    readonly identity: CallIdentity,
    ws: WebSocket,
    policy: ViolationPolicy,
    onEnd: (end: CallEnd) => void,
  ) {
    this.#ws = ws;
    this.#policy = policy;
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.#clock.stop();
        const end: CallEnd = this.#closing
          ? { by: 'carrier', reason: this.#closing.reason, code, at: wallNow() }
          : { by: 'agent', reason: reason.toString() || 'socket closed', code, at: wallNow() };
        this.ended = end;
        onEnd(end);
        resolve(end);
      });
    });
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    // a socket error is followed by 'close', which ends the call; without a listener it would throw
    ws.on('error', () => {});
    this.#send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.#send({
      event: 'start',
      sequenceNumber: this.#nextSequence(),
      start: {
        accountSid: identity.accountSid,
        streamSid: identity.streamSid,
        callSid: identity.callSid,
        tracks: ['inbound'],
        customParameters: identity.customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: identity.streamSid,
    });
    this.startedAt = wallNow();
    this.#clock = startDeadlineClock(FRAME_MS, (n) => this.#tick(n));
  }

  get callSid(): string {
    return this.identity.callSid;
  }

  get streamSid(): string {
    return this.identity.streamSid;
  }

  /** Ms of the agent's audio buffered, not yet played. */
  get bufferedMs(): number {
    return this.#playout.bufferedBytes / 8;
  }

  /** Ms of the caller's speech queued, not yet sent. */
  get queuedSpeechMs(): number {
    return (this.#speechQueued - this.#speechSent) / 8;
  }

  /** Ms of the agent's audio played since wall time `since` (all of it by default). */
  heardMs(since = 0): number {
    let n = 0;
    for (const c of this.heard) if (c.at >= since) n += c.samples.length;
    return n / 8;
  }

  /** Wall ms the first played frame louder than `rms` at or after `since`, or null. */
  firstHeardAfter(since: number, rms = 500): number | null {
    for (const c of this.heard) if (c.at >= since && rmsOf(c.samples) > rms) return c.at;
    return null;
  }

  /** Wall ms the media message carrying speech sample `index` (of all speech sent) left, or null if not yet. */
  sentAt(index: number): number | null {
    for (const f of this.speechFrames) if (index >= f.from && index < f.to) return f.at;
    return null;
  }

  /** Queues the caller's speech (mono; resampled to 8 kHz if `rate` differs), sent in real time after what is queued. */
  send(pcm: Int16Array, rate = 8000): Utterance {
    const pcm8k = rate === 8000 ? pcm : resampleWhole(pcm, rate, 8000);
    const u = { from: this.#speechQueued, to: this.#speechQueued + pcm8k.length } as Utterance;
    this.#speech.push(pcm8k);
    this.#speechQueued += pcm8k.length;
    u.sent = new Promise((resolve) => this.#utterances.push({ u, firstAt: null, resolve }));
    return u;
  }

  /** The caller presses a key. */
  dtmf(digit: string): void {
    if (!/^[0-9*#]$/.test(digit)) throw new Error(`not a DTMF key: ${JSON.stringify(digit)}`);
    this.#send({
      event: 'dtmf',
      streamSid: this.streamSid,
      sequenceNumber: this.#nextSequence(),
      dtmf: { track: 'inbound_track', digit },
    });
  }

  /** The caller hangs up: `stop`, then the socket closes. */
  hangUp(): Promise<CallEnd> {
    return this.end('caller hung up');
  }

  /** Ends the stream as Twilio does when the call ends or leaves <Connect>: `stop`, then close. */
  end(reason: string): Promise<CallEnd> {
    if (!this.#closing && this.#ws.readyState === WebSocket.OPEN) {
      this.#closing = { reason };
      this.#clock.stop();
      this.#send({
        event: 'stop',
        sequenceNumber: this.#nextSequence(),
        stop: { accountSid: this.identity.accountSid, callSid: this.callSid },
        streamSid: this.streamSid,
      });
      this.#ws.close(1000, reason.slice(0, 120));
    }
    return this.closed;
  }

  /** Resolves with the echo of mark `name` (at once if it was already echoed). */
  waitForMark(name: string, timeoutMs = 10_000): Promise<EchoedMark> {
    return this.#waitFor('mark', () => this.marks.find((m) => m.name === name), `mark ${name}`, timeoutMs);
  }

  /** Resolves once `count` clears have been received (the latest of them). */
  waitForClear(count = 1, timeoutMs = 10_000): Promise<ClearReceived> {
    return this.#waitFor('clear', () => this.clears[count - 1], `clear #${count}`, timeoutMs);
  }

  /** Resolves once `ms` of the agent's audio have been played. */
  waitForHeardMs(ms: number, timeoutMs = 10_000): Promise<number> {
    return this.#waitFor('heard', () => (this.heardMs() >= ms ? this.heardMs() : undefined), `${ms} ms heard`, timeoutMs);
  }

  async #waitFor<T>(event: string, found: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), timeoutMs);
    try {
      for (;;) {
        const v = found();
        if (v !== undefined) return v;
        if (this.ended) throw new Error(`call ended (${this.ended.by}: ${this.ended.reason}) before ${what}`);
        const next = once(this.#events, event, { signal: stop.signal });
        next.catch(() => {}); // aborted below once this wait is over
        try {
          await Promise.race([next, this.closed]);
        } catch {
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        }
      }
    } finally {
      clearTimeout(timer);
      stop.abort();
    }
  }

  #nextSequence(): string {
    return String(++this.#sequence);
  }

  #send(m: CarrierMessage): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.sentMessages.push(m);
    this.#ws.send(JSON.stringify(m));
  }

  #tick(n: number): void {
    const at = wallNow();
    this.#sendMedia(n, at);
    const played = this.#playout.tick();
    for (const name of played.marks) this.#echoMark(name, 'played');
    if (played.frame) {
      const samples = new Int16Array(played.frame.length);
      for (let i = 0; i < samples.length; i++) samples[i] = ulawDecode(played.frame[i]!);
      this.heard.push({ at, samples });
      this.#events.emit('heard');
    }
  }

  #sendMedia(n: number, at: number): void {
    const payload = Buffer.alloc(FRAME_BYTES, SILENCE);
    let filled = 0;
    while (filled < FRAME_SAMPLES && this.#speech.length) {
      const head = this.#speech[0]!;
      const take = Math.min(FRAME_SAMPLES - filled, head.length - this.#speechOffset);
      for (let i = 0; i < take; i++) payload[filled + i] = ulawEncode(head[this.#speechOffset + i]!);
      filled += take;
      this.#speechOffset += take;
      if (this.#speechOffset === head.length) {
        this.#speech.shift();
        this.#speechOffset = 0;
      }
    }
    this.#send({
      event: 'media',
      sequenceNumber: this.#nextSequence(),
      media: { track: 'inbound', chunk: String(++this.#chunk), timestamp: String(n * FRAME_MS), payload: payload.toString('base64') },
      streamSid: this.streamSid,
    });
    if (filled === 0) return;
    const from = this.#speechSent;
    this.#speechSent += filled;
    this.speechFrames.push({ at, from, to: this.#speechSent });
    this.#utterances = this.#utterances.filter((w) => {
      if (w.firstAt === null && w.u.from < this.#speechSent) w.firstAt = at;
      if (w.u.to > this.#speechSent) return true;
      w.resolve({ firstAt: w.firstAt ?? at, lastAt: at });
      return false;
    });
  }

  #echoMark(name: string, released: EchoedMark['released']): void {
    this.#send({ event: 'mark', sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, mark: { name } });
    this.marks.push({ name, at: wallNow(), released });
    this.#events.emit('mark');
  }

  #receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#closing) return;
    if (isBinary) return this.#violate('binary frame: Twilio reads only text frames (warning 31950, Malformed Message)');
    const checked = checkAgentMessage(data.toString(), this.streamSid);
    if (!checked.ok) return this.#violate(checked.violation);
    const m = checked.message;
    if (m.event === 'media') this.#playout.push(m.ulaw);
    else if (m.event === 'mark') this.#playout.mark(m.name);
    else {
      const { discardedBytes, marks } = this.#playout.clear();
      // "Send a clear message if you want to interrupt the audio that has been sent in various media
      // messages. This empties all buffered audio and causes any mark messages to be sent back to your
      // WebSocket server." (twilio.com/docs/voice/media-streams/websocket-messages#send-a-clear-message)
      for (const name of marks) this.#echoMark(name, 'clear');
      this.clears.push({ at: wallNow(), discardedMs: discardedBytes / 8, marksReleased: marks });
      this.#events.emit('clear');
    }
  }

  #violate(message: string): void {
    this.violations.push({ at: wallNow(), message });
    this.#events.emit('violation');
    if (this.#policy === 'ignore') return;
    // Twilio documents these as warnings (31950, 31951: "sent once per Stream"), the message not acted
    // on; it documents no close. The carrier closes with 1008 (policy violation) by default so that a
    // test cannot pass over a violation; policy 'ignore' keeps Twilio's documented behaviour instead.
    this.#closing = { reason: `protocol violation: ${message}` };
    this.#clock.stop();
    this.#ws.close(1008, 'protocol violation');
  }
}
