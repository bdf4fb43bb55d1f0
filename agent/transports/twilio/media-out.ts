import type { AudioFrame } from '@livekit/rtc-node';
import { log } from '../../log.js';
import { LatenessHistogram } from '../../pacer/lateness-histogram.js';
import type { FrameSink, FrameTag } from '../../pacer/pacer.js';
import { OutboundMessages } from './protocol.js';
import { Downsampler24to8 } from './resample.js';
import { PCM_TO_ULAW } from './ulaw-tables.js';

export interface TwilioStreamSinkOptions {
  /** The stream's `start.streamSid`: every message we send names it. */
  streamSid: string;
  /** Sends one text frame on the stream's WebSocket. May throw (socket closed). */
  send: (text: string) => void;
  /** Monotonic ms (performance.now by default): for the mark echo lag. */
  clock?: { now(): number };
}

export interface TwilioStreamSinkStats {
  /** Frames the pacer handed over, and of those the untagged ones (silence padding). */
  frames: number;
  silenceFrames: number;
  /** Media messages sent (160 μ-law bytes, 20 ms, each) and their payload bytes. */
  mediaMessages: number;
  payloadBytes: number;
  /** Characters of every text frame sent (what goes on the socket, before WebSocket framing). */
  textBytes: number;
  marksSent: number;
  /** Echoes that counted as played. */
  marksEchoed: number;
  /** Echoes of marks sent before a clear, arriving after it: Twilio flushes them; not played. */
  clearedMarkEchoes: number;
  /** Echoes of names we did not send (or too old to remember). */
  unknownMarkEchoes: number;
  /** Marks sent and not yet echoed nor cleared: ≈ frames queued at Twilio (20 ms each). */
  pendingMarks: number;
  clears: number;
  sendErrors: number;
  /** Mark sent → its echo: how far behind our hand-off the caller's playout runs. */
  markLag: { count: number; p50Ms: number; maxMs: number };
}

/** 24 kHz in (the pacer's rate), 8 kHz out. */
const INPUT_RATE = 24_000;
/** 20 ms at 8 kHz: one media message. */
const MESSAGE_SAMPLES = 160;
/** Marks remembered until echoed: 1024 × 20 ms ≈ 20 s of audio queued at Twilio, far past any real queue. */
const RING = 1024;
const RING_MASK = RING - 1;
/** Responses whose played position is kept. */
const RESPONSE_MEMORY = 64;
/** No echo at all this long after the first mark: this stream does not echo marks (see playedMs). */
const NO_ECHO_FALLBACK_MS = 3000;
/** Mark names: this prefix and the mark's sequence number. */
const MARK_PREFIX = 'f';
const RESOLVED = Promise.resolve();

/**
 * The pacer's sink on a Twilio bidirectional Media Stream. Each 20 ms frame (24 kHz) becomes one
 * `media` message of exactly 160 μ-law bytes (8 kHz), followed, for a response's frame (tagged),
 * by a `mark` whose echo says the caller has heard the response up to that frame's end.
 *
 * Timing is the pacer's: captureFrame sends at once and resolves at once. Twilio plays what it is
 * sent in order from its own buffer ("The media messages are buffered and played in the order
 * received"), so nothing here may send faster than real time — the pacer's clock, 1× with a small
 * lead, is what keeps Twilio's buffer (and so what a barge-in must clear) a few frames deep instead
 * of the whole answer, the fault of transports that forward model audio as it arrives.
 *
 * Played position: the last echoed mark of a response (see playedMs). Twilio's docs on `clear`
 * (https://www.twilio.com/docs/voice/media-streams/websocket-messages, "Send a clear message"):
 * "This empties all buffered audio and causes any mark messages to be sent back to your WebSocket
 * server." So a clear makes Twilio echo every pending mark although their audio never played; an
 * echo is only "played" if its mark was sent after the last clear. Echoes of earlier marks that
 * arrive after the clear are ignored — including any that Twilio sent for audio that did play
 * just before the clear reached it (in flight on the socket; indistinguishable by name). That
 * errs by at most the socket's one-way delay, towards "heard less", which is the side a truncate
 * must err on: the model must not believe the caller heard words that were cut off.
 *
 * Per frame: one resampling into a reused buffer, a table lookup per sample, the base64 string and
 * the message strings; the mark ring is preallocated; no logging.
 */
export class TwilioStreamSink implements FrameSink {
  readonly #send: (text: string) => void;
  readonly #clock: { now(): number };
  readonly #msg: OutboundMessages;
  readonly #down = new Downsampler24to8();

  /** 8 kHz samples resampled and not yet sent (less than a message between frames). */
  #pcm8 = new Int16Array(4 * MESSAGE_SAMPLES);
  #pcm8Fill = 0;
  readonly #ulaw = Buffer.alloc(MESSAGE_SAMPLES);

  /** Sequence number of the last mark sent (0: none). */
  #seq = 0;
  /** Marks up to this sequence number were sent before the last clear. */
  #clearedThrough = 0;
  #lastEchoed = 0;
  /** Anything sent since the last clear (a clear of an empty buffer is not sent). */
  #sentSinceClear = false;
  readonly #ringSeq = new Float64Array(RING);
  readonly #ringHanded = new Float64Array(RING);
  readonly #ringSentAt = new Float64Array(RING);
  readonly #ringResponse: (string | undefined)[] = new Array(RING).fill(undefined);
  /** Response → ms of it the caller has heard (0 from its first frame sent until its first echo). */
  readonly #played = new Map<string, number>();
  #firstMarkAt = -1;
  #anyEcho = false;
  #warnedNoEcho = false;

  readonly #lag = new LatenessHistogram();
  #lagMax = 0;
  readonly #stats = {
    frames: 0,
    silenceFrames: 0,
    mediaMessages: 0,
    payloadBytes: 0,
    textBytes: 0,
    marksSent: 0,
    marksEchoed: 0,
    clearedMarkEchoes: 0,
    unknownMarkEchoes: 0,
    clears: 0,
    sendErrors: 0,
  };

  constructor(opts: TwilioStreamSinkOptions) {
    this.#msg = new OutboundMessages(opts.streamSid);
    this.#send = opts.send;
    this.#clock = opts.clock ?? performance;
  }

  captureFrame(frame: AudioFrame, tag?: FrameTag): Promise<void> {
    if (frame.sampleRate !== INPUT_RATE || frame.channels !== 1) {
      return Promise.reject(new Error(`twilio sink takes ${INPUT_RATE} Hz mono frames, got ${frame.sampleRate} Hz × ${frame.channels}`));
    }
    const s = this.#stats;
    s.frames++;
    if (!tag) s.silenceFrames++;
    try {
      const input = frame.data.subarray(0, frame.samplesPerChannel);
      const need = this.#pcm8Fill + this.#down.outputLength(input.length);
      if (need > this.#pcm8.length) {
        const grown = new Int16Array(need * 2);
        grown.set(this.#pcm8.subarray(0, this.#pcm8Fill));
        this.#pcm8 = grown;
      }
      this.#pcm8Fill += this.#down.process(input, this.#pcm8, this.#pcm8Fill);
      // a 480-sample frame gives exactly 160; any other length carries its remainder to the next
      let o = 0;
      while (this.#pcm8Fill - o >= MESSAGE_SAMPLES) {
        this.#sendMedia(o);
        o += MESSAGE_SAMPLES;
      }
      if (o > 0) {
        this.#pcm8.copyWithin(0, o, this.#pcm8Fill);
        this.#pcm8Fill -= o;
      }
      if (tag) this.#sendMark(tag);
      return RESOLVED;
    } catch (err) {
      s.sendErrors++;
      return Promise.reject(err);
    }
  }

  /** Barge-in: Twilio drops what it has not played; marks pending now no longer mean "played". */
  clearQueue(): void {
    // the pacer may clear twice in a row (again when an in-flight capture settles): one message will do
    if (!this.#sentSinceClear) return;
    this.#sentSinceClear = false;
    this.#clearedThrough = this.#seq;
    this.#stats.clears++;
    // what is still inside the resampler belongs to the answer being cut off
    this.#down.reset();
    this.#pcm8Fill = 0;
    try {
      this.#write(this.#msg.clear());
    } catch (err) {
      this.#stats.sendErrors++;
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'twilio sink: clear not sent');
    }
  }

  /**
   * Ms of the response the caller has heard, by Twilio's mark echoes: the handedMs of its last
   * echoed mark.
   * - Never sent here: undefined (the pacer's model answers; it has nothing of it either).
   * - Sent, no echo yet: 0. An echo comes when the audio before the mark has played, so none yet
   *   means not even the first frame has finished — 0 is right to within that frame, where the
   *   pacer's model would count what merely sits in Twilio's buffer and the network as heard.
   * - No echo ever on this stream, NO_ECHO_FALLBACK_MS after the first mark: something between
   *   us and the caller does not echo marks; undefined again, so the model answers instead of 0
   *   for ever (logged once).
   * Frozen at a clear: later echoes of marks sent before it are not counted.
   */
  playedMs(responseId: string): number | undefined {
    const played = this.#played.get(responseId);
    if (played === undefined) return undefined;
    if (!this.#anyEcho && this.#clock.now() - this.#firstMarkAt > NO_ECHO_FALLBACK_MS) {
      if (!this.#warnedNoEcho) {
        this.#warnedNoEcho = true;
        log.warn({ marksSent: this.#stats.marksSent }, 'twilio sink: no mark echoed; played position from the pacer model');
      }
      return undefined;
    }
    return played;
  }

  /** Twilio echoed a mark (`mark.name` of an inbound mark message). */
  onMarkEcho(name: string): void {
    const s = this.#stats;
    const seq = markSeq(name);
    if (seq <= 0 || seq > this.#seq) {
      s.unknownMarkEchoes++;
      return;
    }
    this.#anyEcho = true;
    if (seq <= this.#clearedThrough) {
      s.clearedMarkEchoes++;
      return;
    }
    const i = seq & RING_MASK;
    const responseId = this.#ringResponse[i];
    if (this.#ringSeq[i] !== seq || responseId === undefined) {
      // overwritten (over RING marks pending) or echoed twice
      s.unknownMarkEchoes++;
      return;
    }
    this.#ringResponse[i] = undefined;
    if (seq > this.#lastEchoed) this.#lastEchoed = seq;
    s.marksEchoed++;
    const lag = this.#clock.now() - this.#ringSentAt[i]!;
    this.#lag.add(lag);
    if (lag > this.#lagMax) this.#lagMax = lag;
    const handed = this.#ringHanded[i]!;
    // echoes come in order; max() keeps a stray one from moving the position back
    if (handed > (this.#played.get(responseId) ?? 0)) this.#played.set(responseId, handed);
  }

  stats(): TwilioStreamSinkStats {
    return {
      ...this.#stats,
      pendingMarks: this.#seq - Math.max(this.#lastEchoed, this.#clearedThrough),
      markLag: { count: this.#lag.count, p50Ms: this.#lag.percentile(50), maxMs: Math.round(this.#lagMax * 100) / 100 },
    };
  }

  #sendMedia(from: number): void {
    const pcm = this.#pcm8;
    const ulaw = this.#ulaw;
    for (let i = 0; i < MESSAGE_SAMPLES; i++) ulaw[i] = PCM_TO_ULAW[pcm[from + i]! & 0xffff]!;
    this.#write(this.#msg.media(ulaw.toString('base64')));
    this.#stats.mediaMessages++;
    this.#stats.payloadBytes += MESSAGE_SAMPLES;
    this.#sentSinceClear = true;
  }

  #sendMark(tag: FrameTag): void {
    const seq = ++this.#seq;
    const i = seq & RING_MASK;
    const now = this.#clock.now();
    this.#ringSeq[i] = seq;
    this.#ringHanded[i] = tag.handedMs;
    this.#ringSentAt[i] = now;
    this.#ringResponse[i] = tag.responseId;
    if (this.#firstMarkAt < 0) this.#firstMarkAt = now;
    if (!this.#played.has(tag.responseId)) this.#remember(tag.responseId);
    this.#stats.marksSent++;
    this.#sentSinceClear = true;
    this.#write(this.#msg.mark(MARK_PREFIX + seq));
  }

  /** A response's first frame: heard 0 ms of it until its first echo. */
  #remember(responseId: string): void {
    this.#played.set(responseId, 0);
    if (this.#played.size > RESPONSE_MEMORY) {
      const oldest = this.#played.keys().next().value;
      if (oldest !== undefined) this.#played.delete(oldest);
    }
  }

  #write(text: string): void {
    this.#stats.textBytes += text.length;
    this.#send(text);
  }
}

/** The sequence number in one of our mark names; −1 for any other name. No allocation. */
function markSeq(name: string): number {
  if (name.length < 2 || name.length > 16 || name.charCodeAt(0) !== MARK_PREFIX.charCodeAt(0)) return -1;
  let n = 0;
  for (let i = 1; i < name.length; i++) {
    const d = name.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
