import type { HopFrame } from '../../audio/caller-input.js';
import { log } from '../../log.js';
import type { MediaMessage } from './protocol.js';
import { Upsampler8to16 } from './resample.js';
import { ULAW_TO_PCM } from './ulaw-tables.js';

export interface TwilioMediaInOptions {
  /** Samples per hop at 16 kHz: the detector's hop size (CallerInput refuses any other). */
  hopSize: number;
  /**
   * Hops kept for a reader that has fallen behind, in ms of audio; past it the oldest are dropped
   * (counted in droppedHops). Default 1000.
   */
  maxQueuedMs?: number;
  /**
   * The same bound until the reader first catches up with the live stream (ms of audio; default
   * maxQueuedMs): what the caller said while the call was still being set up, or its reader was
   * still reading that backlog, is the start of the call, not a reader left behind.
   */
  maxQueuedUntilCaughtUpMs?: number;
  /**
   * Longest hole in Twilio's timestamps filled with silence. A longer jump is not a lost packet but
   * a broken clock: fill this much, log it, and carry on from the new timestamp. Default 5000.
   */
  maxGapFillMs?: number;
}

export interface TwilioMediaInStats {
  /** Media messages taken (after the stale ones were dropped). */
  messages: number;
  /** μ-law bytes decoded (8,000 a second). */
  bytes: number;
  /** Hops handed to the stream (dropped ones included). */
  hops: number;
  /** Holes in the timestamps filled with silence, and their total ms. */
  gaps: number;
  gapMs: number;
  /** Chunk numbers skipped (messages Twilio numbered but we never got). */
  lostChunks: number;
  /** Messages dropped whole: a chunk number not above the last one (duplicate, reordered), or audio entirely in the past. */
  staleMessages: number;
  /** Hops dropped because the reader was more than maxQueuedMs behind. */
  droppedHops: number;
  /** Most hops queued at once. */
  maxQueuedHops: number;
  /** Ms handed on (caller audio + silence fill, partial hop included): the VAD's clock, to compare with the caller's. */
  streamMs: number;
}

/** 8 kHz samples per ms. */
const PER_MS_8K = 8;
/** Twilio's timestamps are whole ms; a message's start within 1 ms of where the last ended is contiguous. */
const CONTIGUOUS_SAMPLES = PER_MS_8K;
/** Silence is filtered in pieces this long (8 kHz samples), so a long gap needs no big buffer. */
const FILL_PIECE = 1_600;

interface Parked {
  controller: ReadableStreamDefaultController<HopFrame>;
  resolve: () => void;
}

/**
 * The caller's audio from a Twilio stream as the VAD reads it: media payloads (base64 μ-law 8 kHz,
 * 20 ms each normally, any whole number of bytes allowed) → 16 kHz PCM16 → `hops`, a
 * ReadableStream of exactly `hopSize` samples each, re-framed across messages.
 *
 * Time: CallerInput counts stream time as hops × hop duration, and the gate's speech start/end
 * are read on that clock, so the stream must hold exactly as many samples as the caller's time
 * covered. Each message's `timestamp` (ms from the stream's start) says where its audio belongs:
 * - later than where the last message ended (packets lost before or inside Twilio, `chunk`
 *   numbers skipped): the hole is filled with that much silence, then the audio follows;
 * - within 1 ms of it: contiguous (timestamps are whole ms, a message of 37 bytes is 4.625 ms);
 * - earlier, or a `chunk` not above the last one (a duplicate, or one that arrived after a later
 *   one): its time has already been handed on, as its own audio or as the silence that filled its
 *   hole, and the VAD cannot take it back. It is dropped (the part overlapping the past, when it
 *   overlaps only partly). Waiting to reorder would delay every message for a case a WebSocket
 *   (TCP, in order) essentially never shows.
 * A message that arrives late but in order (a network stall, then a burst) needs nothing: its
 * timestamp follows on, and the burst is read as fast as the reader takes it.
 *
 * Back-pressure: hops wait in a queue of at most maxQueuedMs for a slow reader (of
 * maxQueuedUntilCaughtUpMs until it first catches up: the call's set-up); past that the oldest are dropped and counted (the VAD's stream time then runs behind the caller's by the
 * dropped ms, which the counter tells). The ReadableStream itself buffers nothing (high-water
 * mark 0): a hop is handed over only to a pending read.
 *
 * close() ends the stream (hang-up): hops already queued are still read, the last partial hop
 * is dropped (a short hop would shift the detector's framing).
 */
export class TwilioMediaIn {
  readonly hops: ReadableStream<HopFrame>;
  readonly #hopSize: number;
  readonly #maxQueued: number;
  readonly #maxQueuedUntilCaughtUp: number;
  /** The reader has once found the queue empty: from then on it is held to #maxQueued. */
  #caughtUp = false;
  readonly #maxGapFill: number;
  readonly #up = new Upsampler8to16();

  /** Decoded base64 (μ-law bytes); grows to the largest payload seen. */
  #bytes = Buffer.alloc(1024);
  /** The same as PCM at 8 kHz. */
  #pcm8 = new Int16Array(1024);
  /** Upsampled to 16 kHz. */
  #pcm16 = new Int16Array(2 * FILL_PIECE);
  #hop: Int16Array;
  #hopFill = 0;

  readonly #queue: Int16Array[] = [];
  #parked: Parked | null = null;
  #ended = false;

  /** Where the audio handed on so far ends, in 8 kHz samples of the stream's timeline; −1 before the first message. */
  #pos = -1;
  /** 8 kHz samples handed on (audio + fill). */
  #emitted = 0;
  #lastChunk = 0;

  readonly #stats = {
    messages: 0,
    bytes: 0,
    hops: 0,
    gaps: 0,
    gapMs: 0,
    lostChunks: 0,
    staleMessages: 0,
    droppedHops: 0,
    maxQueuedHops: 0,
  };

  constructor(opts: TwilioMediaInOptions) {
    if (!Number.isInteger(opts.hopSize) || opts.hopSize <= 0) throw new Error(`hopSize must be a positive integer, got ${opts.hopSize}`);
    this.#hopSize = opts.hopSize;
    const hopMs = (opts.hopSize / 16_000) * 1000;
    this.#maxQueued = Math.max(1, Math.floor((opts.maxQueuedMs ?? 1000) / hopMs));
    this.#maxQueuedUntilCaughtUp = Math.max(this.#maxQueued, Math.floor((opts.maxQueuedUntilCaughtUpMs ?? 0) / hopMs));
    this.#maxGapFill = Math.round((opts.maxGapFillMs ?? 5000) * PER_MS_8K);
    this.#hop = new Int16Array(opts.hopSize);
    this.hops = new ReadableStream<HopFrame>(
      {
        pull: (controller) => {
          const hop = this.#queue.shift();
          if (hop) return controller.enqueue(hopFrame(hop));
          if (this.#ended) return controller.close();
          this.#caughtUp = true;
          // nothing yet: the read waits here until a hop arrives or the stream closes
          return new Promise<void>((resolve) => {
            this.#parked = { controller, resolve };
          });
        },
        cancel: () => {
          this.#ended = true;
          this.#queue.length = 0;
          this.#parked = null;
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** One inbound media message's `media` (the inbound track only; a bidirectional stream has no other). */
  push(media: MediaMessage['media']): void {
    if (this.#ended) return;
    const timestamp = Number(media.timestamp);
    const chunk = Number(media.chunk);
    const s = this.#stats;
    let skip = 0;
    if (this.#pos < 0) {
      // the stream's timeline starts at the first message we get
      this.#pos = timestamp * PER_MS_8K;
    } else {
      if (chunk <= this.#lastChunk) {
        s.staleMessages++;
        return;
      }
      if (chunk > this.#lastChunk + 1) s.lostChunks += chunk - this.#lastChunk - 1;
      const gap = timestamp * PER_MS_8K - this.#pos;
      if (gap > CONTIGUOUS_SAMPLES) this.#fillGap(gap);
      else if (gap < -this.#maxGapFill) {
        // far in the past with a new chunk number: Twilio's clock went back, not a late packet;
        // dropping everything from here on would leave the caller unheard, so follow the new clock
        log.warn({ backMs: -gap / PER_MS_8K }, 'twilio media in: timestamp went back; following it');
        this.#pos = timestamp * PER_MS_8K;
      } else if (gap < -CONTIGUOUS_SAMPLES) skip = -gap; // starts in the past: only its newer part is new
    }
    this.#lastChunk = chunk;

    const n = this.#decode(media.payload);
    if (skip >= n) {
      s.staleMessages++;
      return;
    }
    s.messages++;
    s.bytes += n;
    const pcm8 = this.#pcm8.subarray(skip, n);
    this.#pos += pcm8.length;
    this.#emitted += pcm8.length;
    if (this.#pcm16.length < 2 * pcm8.length) this.#pcm16 = new Int16Array(4 * pcm8.length);
    const m = this.#up.process(pcm8, this.#pcm16);
    this.#frame(this.#pcm16, m);
  }

  /** Ends the stream: the caller hung up (stop, socket closed). Idempotent. */
  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    const parked = this.#parked;
    this.#parked = null;
    if (parked) {
      parked.controller.close();
      parked.resolve();
    }
  }

  stats(): TwilioMediaInStats {
    return { ...this.#stats, streamMs: this.#emitted / PER_MS_8K };
  }

  /** Base64 → μ-law bytes → PCM16 at 8 kHz in #pcm8; returns the sample count. */
  #decode(payload: string): number {
    const need = Math.ceil((payload.length * 3) / 4);
    if (this.#bytes.length < need) {
      this.#bytes = Buffer.alloc(need * 2);
      this.#pcm8 = new Int16Array(need * 2);
    }
    const n = this.#bytes.write(payload, 'base64');
    const bytes = this.#bytes;
    const pcm = this.#pcm8;
    for (let i = 0; i < n; i++) pcm[i] = ULAW_TO_PCM[bytes[i]!]!;
    return n;
  }

  /** `samples` (8 kHz) the caller's timeline skipped: hand on that much silence. */
  #fillGap(samples: number): void {
    const s = this.#stats;
    let fill = samples;
    if (fill > this.#maxGapFill) {
      log.warn(
        { gapMs: samples / PER_MS_8K, filledMs: this.#maxGapFill / PER_MS_8K },
        'twilio media in: timestamp jumped; filled part of it with silence',
      );
      fill = this.#maxGapFill;
    }
    s.gaps++;
    s.gapMs += fill / PER_MS_8K;
    this.#pos += samples; // the timeline follows the caller's even past the cap
    this.#emitted += fill;
    for (let left = fill; left > 0; ) {
      const piece = Math.min(FILL_PIECE, left);
      const m = this.#up.processSilence(piece, this.#pcm16);
      this.#frame(this.#pcm16, m);
      left -= piece;
    }
  }

  /** Cuts 16 kHz samples into hops. */
  #frame(src: Int16Array, count: number): void {
    let i = 0;
    while (i < count) {
      const take = Math.min(this.#hopSize - this.#hopFill, count - i);
      this.#hop.set(src.subarray(i, i + take), this.#hopFill);
      this.#hopFill += take;
      i += take;
      if (this.#hopFill === this.#hopSize) {
        this.#deliver(this.#hop);
        // a new buffer per hop: the reader (detector, gate, Responder input) keeps the one it got
        this.#hop = new Int16Array(this.#hopSize);
        this.#hopFill = 0;
      }
    }
  }

  #deliver(hop: Int16Array): void {
    const s = this.#stats;
    s.hops++;
    const parked = this.#parked;
    if (parked) {
      this.#parked = null;
      parked.controller.enqueue(hopFrame(hop));
      parked.resolve();
      return;
    }
    this.#queue.push(hop);
    const max = this.#caughtUp ? this.#maxQueued : this.#maxQueuedUntilCaughtUp;
    if (this.#queue.length > max) {
      this.#queue.shift();
      // once per call, then every 500th: a stuck reader would otherwise log 60 lines a second
      if (s.droppedHops++ % 500 === 0)
        log.warn({ droppedHops: s.droppedHops, maxQueuedHops: max }, 'twilio media in: reader behind; oldest hop dropped');
    }
    if (this.#queue.length > s.maxQueuedHops) s.maxQueuedHops = this.#queue.length;
  }
}

function hopFrame(data: Int16Array): HopFrame {
  return { samplesPerChannel: data.length, data };
}
