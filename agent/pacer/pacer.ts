import { EventEmitter } from 'node:events';
import { AudioFrame } from '@livekit/rtc-node';
import { log } from '../log.js';
import { ChunkQueue } from './chunk-queue.js';
import { type PacerClock, systemClock } from './clock.js';
import { PlayModel } from './play-model.js';
import { LatenessHistogram } from './lateness-histogram.js';

/** Which response a frame carries, for sinks that learn what was played (a Twilio stream's marks). */
export interface FrameTag {
  responseId: string;
  /** Ms of the response's audio handed over up to the end of this frame (zero padding excluded). */
  handedMs: number;
}

/**
 * Where the pacer's frames go: rtc-node's AudioSource has this shape (and ignores the tag); a
 * Twilio stream sends them as media messages; tests pass a fake.
 */
export interface FrameSink {
  /**
   * Must not be called again before the previous call settled (rtc-node rejects it). `tag` is
   * absent for silence padding.
   */
  captureFrame(frame: AudioFrame, tag?: FrameTag): Promise<void>;
  /** Drops whatever the sink still has queued. */
  clearQueue(): void;
  /**
   * Ms of the response the caller has heard, as the far end reports it (Twilio's mark echoes),
   * or undefined when the sink cannot tell: the pacer's play model answers then.
   */
  playedMs?(responseId: string): number | undefined;
}

export interface PacerOptions {
  /** Input and output sample rate, mono. Default 24 kHz (the Realtime API's PCM16). */
  sampleRate?: number;
  /** Output frame duration. Default 20 ms. */
  frameMs?: number;
  /**
   * Frames kept queued in the sink ahead of the one playing. They absorb our own lateness (timer,
   * event loop): a hand-off may be up to about leadFrames·frameMs late before the sink runs dry.
   * The sink then holds between lead and lead+1 frames, so its queueSizeMs should be
   * (leadFrames + 1) · frameMs (see SOURCE_QUEUE_MS). Default 2.
   */
  leadFrames?: number;
  /** Audio a response must have queued before its first frame goes out. Default 60 ms. */
  prebufferMs?: number;
  /** After this long since the response's first chunk, start with whatever whole frames there are. Default 80 ms. */
  prebufferMaxWaitMs?: number;
  clock?: PacerClock;
}

export interface PacerEvents {
  /** The response's first frame was handed to the sink, at wall-clock `at` (Date.now()). */
  'first-frame': [responseId: string, at: number];
  /** The response's audio ran out before its end: counted once per episode. */
  underrun: [responseId: string];
  /** The response's last frame has finished playing (by the play model), or it had no audio. */
  drained: [responseId: string];
}

export interface PacerStats {
  /** Every frame handed to the sink, silence padding included. */
  framesOut: number;
  silenceFrames: number;
  underruns: number;
  responses: number;
  /** Chunks dropped because their response was flushed or had already ended. */
  droppedChunks: number;
  sinkErrors: number;
  /**
   * Holes the caller hears inside an answer: stretches of a run of frames when the sink ran dry
   * (a hand-off later than the cushion) or played silence padding (the model's audio was late),
   * counted when at least AUDIBLE_HOLE_MS long. Pauses between answers are not holes.
   */
  audibleGaps: number;
  audibleGapMs: number;
  /** Ms of response audio handed over (what the gaps are per). */
  audioMs: number;
  /**
   * How long the sink took to accept each frame (captureFrame called → settled): rtc-node waits
   * when its native queue is full, i.e. when the native side has not been playing out. Lateness
   * of ours beyond this is the event loop's; this part is the native side's.
   */
  captureWait: { p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number };
  /**
   * Hand-off lateness against the schedule: |hand-off − max(deadline, moment its audio arrived)|.
   * Frames late because the audio itself was late are underruns, not cadence deviations.
   */
  cadence: {
    frames: number;
    meanAbsMs: number;
    maxAbsMs: number;
    p99Ms: number;
    p999Ms: number;
    over1Ms: number;
    over2Ms: number;
    over5Ms: number;
  };
}

interface ResponseState {
  readonly id: string;
  /** Identifies the response's frames in the play model. */
  readonly serial: number;
  readonly pcm: ChunkQueue;
  ended: boolean;
  /** Monotonic ms of the first non-empty chunk; -1 before it. */
  firstPushAt: number;
  framesOut: number;
  /** Ms of this response's audio handed over (zero padding excluded). */
  handedMs: number;
  /** When its last frame handed so far finishes playing. */
  playEnd: number;
  inUnderrun: boolean;
  underruns: number;
}

/** A run of frames on one schedule: frame k plays at p0 + k·frameMs and is due lead frames earlier. */
interface Grid {
  p0: number;
  k: number;
  startedAt: number;
  /** When audio came back after the last underrun: overdue frames before it are not our lateness. */
  resumedAt: number;
}

/**
 * The shortest hole counted as audible: half a frame. Below it the play model's own error (the
 * native queue is pulled 10 ms at a time) could make a hole of nothing.
 */
const AUDIBLE_HOLE_MS = 10;
/** A timer that fires within this much before its deadline sends rather than sleeping again. */
const EARLY_TOLERANCE_MS = 0.5;
/** Ids of finished responses remembered (late chunks dropped, played position kept). */
const FINISHED_MEMORY = 256;

/**
 * Meters generated speech into a sink as exact frames on a steady schedule.
 *
 * Input: push(responseId, pcm) chunks of any size, in bursts and faster than real time, and
 * end(responseId). Responses play one after the other in the order their first chunk arrived.
 *
 * Rhythm: a deadline clock of ours, not the sink's back-pressure. A run of frames is anchored at
 * p0 (when its first frame starts playing); frame k is due at p0 + (k − lead)·frameMs, an absolute
 * deadline, so a late wake-up never shifts later frames. The first lead+1 frames go at once (the
 * sink's cushion), then one per frame period. Captures are strictly serial (rtc-node refuses a
 * capture while one is pending); a frame whose deadline passed while the previous capture was
 * pending goes as soon as it settles. Measured against queue back-pressure in
 * bench/pacer/pacer-bench.ts; docs/pacer.md has the figures.
 *
 * Underrun (the response's queue holds less than a frame at a deadline, response not ended):
 * counted and reported once per episode, never treated as the end of speech. Nothing is padded
 * while the sink still holds audio — if the audio arrives within the lead the caller hears no gap
 * at all, and padding would only push the rest of the answer later. Once the sink is half a frame
 * from running dry, silence frames are handed over instead (one per period): the caller hears
 * clean silence rather than the receiver's loss concealment, and the outgoing stream stays
 * continuous in time. Silence never counts as the response's audio in playedMs. When the audio
 * returns, overdue frames go back to back until the schedule is caught up, restoring the cushion.
 *
 * Tail: at the end of a response the last partial frame is zero-padded to a whole frame.
 */
export class Pacer extends EventEmitter<PacerEvents> {
  readonly #sink: FrameSink;
  readonly #clock: PacerClock;
  readonly #rate: number;
  readonly #frameMs: number;
  /** Samples per frame. */
  readonly #spf: number;
  readonly #msPerSample: number;
  readonly #lead: number;
  readonly #prebufferSamples: number;
  readonly #prebufferMaxWaitMs: number;

  /** Responses not yet fully handed over, in play order; [0] is the one playing (or next to). */
  readonly #queue: ResponseState[] = [];
  /** Fully handed over, still playing: 'drained' is due at their playEnd. In order. */
  readonly #draining: ResponseState[] = [];
  /** Finished (drained or flushed) ids → the ms of them the caller heard. */
  readonly #finished = new Map<string, number>();
  #serial = 0;

  readonly #play = new PlayModel();
  #grid: Grid | null = null;

  #inflight = false;
  /** The frame being captured: rtc-node reads its samples by pointer after captureFrame returns. */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: written, never read, on purpose: it keeps the frame's buffer alive until the capture settles
  #inflightFrame: AudioFrame | null = null;
  /** A flush happened while a capture was in flight: clear the sink again once it settles. */
  #clearOnSettle = false;
  /** The hole open in the current run (ms the caller has heard no speech since the last audio frame). */
  #holeMs = 0;
  /** Silence never changes, so one frame serves every pad. */
  readonly #silence: AudioFrame;

  #timer: unknown = null;
  #timerAt = Infinity;
  #closed = false;

  readonly #stats = {
    framesOut: 0,
    silenceFrames: 0,
    underruns: 0,
    responses: 0,
    droppedChunks: 0,
    sinkErrors: 0,
    devFrames: 0,
    devSumAbs: 0,
    devMaxAbs: 0,
    over1: 0,
    over2: 0,
    over5: 0,
    audibleGaps: 0,
    audibleGapMs: 0,
    audioMs: 0,
  };
  readonly #lateness = new LatenessHistogram();
  readonly #captureWait = new LatenessHistogram();
  #captureWaitMax = 0;
  #captureAt = 0;

  constructor(sink: FrameSink, opts: PacerOptions = {}) {
    super();
    this.#sink = sink;
    this.#clock = opts.clock ?? systemClock;
    this.#rate = opts.sampleRate ?? 24_000;
    this.#frameMs = opts.frameMs ?? 20;
    this.#spf = Math.round((this.#rate * this.#frameMs) / 1000);
    if ((this.#spf * 1000) / this.#rate !== this.#frameMs) {
      throw new Error(`frameMs ${this.#frameMs} is not a whole number of samples at ${this.#rate} Hz`);
    }
    this.#msPerSample = 1000 / this.#rate;
    this.#lead = Math.max(0, Math.floor(opts.leadFrames ?? 2));
    this.#prebufferSamples = Math.max(this.#spf, Math.round(((opts.prebufferMs ?? 60) * this.#rate) / 1000));
    this.#prebufferMaxWaitMs = opts.prebufferMaxWaitMs ?? 80;
    this.#silence = new AudioFrame(new Int16Array(this.#spf), this.#rate, 1, this.#spf);
  }

  get sampleRate(): number {
    return this.#rate;
  }

  /** Anything queued, being handed over, or still playing. */
  get busy(): boolean {
    return this.#queue.length > 0 || this.#draining.length > 0;
  }

  /** Ms queued in the sink right now, by the play model. */
  get sinkQueuedMs(): number {
    return this.#play.queuedMs(this.#clock.now());
  }

  /** Adds a chunk of a response's audio. Kept by reference: do not modify it afterwards. */
  push(responseId: string, pcm: Int16Array): void {
    if (this.#closed) return;
    if (this.#finished.has(responseId)) {
      // flushed (barge-in) or already played out: a late chunk must not be heard
      this.#stats.droppedChunks++;
      return;
    }
    let r = this.#find(responseId) ?? this.#draining.find((d) => d.id === responseId);
    if (!r) {
      r = this.#newResponse(responseId);
      this.#queue.push(r);
    } else if (r.ended) {
      this.#stats.droppedChunks++;
      log.warn({ responseId }, 'pacer: audio after the end of its response, dropped');
      return;
    }
    if (pcm.length === 0) return;
    const now = this.#clock.now();
    if (r.firstPushAt < 0) r.firstPushAt = now;
    r.pcm.push(pcm);
    if (r === this.#queue[0]) this.#pump();
  }

  /** The response's audio is complete: play the tail, then report it drained. */
  endResponse(responseId: string): void {
    const r = this.#find(responseId);
    // unknown: it had no audio (or was flushed); nothing will play, so nothing drains
    if (!r || r.ended) return;
    r.ended = true;
    if (r === this.#queue[0]) this.#pump();
  }

  /** Same as endResponse (the name TurnController's Playback uses). */
  end(responseId: string): void {
    this.endResponse(responseId);
  }

  /**
   * Stops at once: drops everything queued here and in the sink. Pending 'drained' events are
   * dropped too (whoever flushed decides those responses' fate); later chunks of the flushed
   * responses are dropped. playedMs keeps answering for them with what had played at the flush.
   */
  flush(): void {
    const now = this.#clock.now();
    let dropped = 0;
    for (const r of this.#draining) this.#remember(r.id, this.#playedOf(r, now));
    for (const r of this.#queue) {
      this.#remember(r.id, this.#playedOf(r, now));
      dropped += r.pcm.available;
    }
    const wasBusy = this.busy;
    this.#draining.length = 0;
    this.#queue.length = 0;
    this.#grid = null;
    this.#arm(Infinity);
    this.#sink.clearQueue();
    this.#play.clear();
    // rtc-node copies a frame into its queue asynchronously after captureFrame returns, so a
    // capture in flight can land after the clear above: clear again when it settles.
    if (this.#inflight) this.#clearOnSettle = true;
    if (wasBusy) log.debug({ droppedMs: Math.round(dropped * this.#msPerSample) }, 'pacer: flushed');
  }

  /**
   * Ms of the response the caller has heard: its audio handed to the sink minus what the sink still
   * has queued (play model; within one frame). For conversation.item.truncate on barge-in.
   */
  playedMs(responseId: string): number {
    const r = this.#find(responseId) ?? this.#draining.find((d) => d.id === responseId);
    if (r) return Math.floor(this.#playedOf(r, this.#clock.now()));
    return Math.floor(this.#finished.get(responseId) ?? 0);
  }

  stats(): PacerStats {
    const s = this.#stats;
    return {
      framesOut: s.framesOut,
      silenceFrames: s.silenceFrames,
      underruns: s.underruns,
      responses: s.responses,
      droppedChunks: s.droppedChunks,
      sinkErrors: s.sinkErrors,
      audibleGaps: s.audibleGaps,
      audibleGapMs: Math.round(s.audibleGapMs),
      audioMs: Math.round(s.audioMs),
      captureWait: {
        p50Ms: this.#captureWait.percentile(50),
        p99Ms: this.#captureWait.percentile(99),
        p999Ms: this.#captureWait.percentile(99.9),
        maxMs: Math.round(this.#captureWaitMax * 100) / 100,
      },
      cadence: {
        frames: s.devFrames,
        meanAbsMs: s.devFrames ? s.devSumAbs / s.devFrames : 0,
        maxAbsMs: s.devMaxAbs,
        p99Ms: this.#lateness.percentile(99),
        p999Ms: this.#lateness.percentile(99.9),
        over1Ms: s.over1,
        over2Ms: s.over2,
        over5Ms: s.over5,
      },
    };
  }

  /** Stops for good: drops everything, no more events, the sink is left alone. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#draining.length = 0;
    this.#grid = null;
    this.#arm(Infinity);
    this.removeAllListeners();
  }

  #newResponse(id: string): ResponseState {
    this.#stats.responses++;
    return {
      id,
      serial: this.#serial++,
      pcm: new ChunkQueue(),
      ended: false,
      firstPushAt: -1,
      framesOut: 0,
      handedMs: 0,
      playEnd: -Infinity,
      inUnderrun: false,
      underruns: 0,
    };
  }

  #find(id: string): ResponseState | undefined {
    for (const r of this.#queue) if (r.id === id) return r;
    return undefined;
  }

  #playedOf(r: ResponseState, now: number): number {
    // the far end's own report when the sink has one (it knows what it played; we only model it)
    const reported = this.#sink.playedMs?.(r.id);
    if (reported !== undefined) return Math.max(0, Math.min(reported, r.handedMs));
    return Math.max(0, r.handedMs - this.#play.unplayedMs(r.serial, now));
  }

  #remember(id: string, playedMs: number): void {
    this.#finished.set(id, playedMs);
    if (this.#finished.size > FINISHED_MEMORY) {
      const oldest = this.#finished.keys().next().value;
      if (oldest !== undefined) this.#finished.delete(oldest);
    }
  }

  /** May the response's first frame go out now (prebuffer)? */
  #ready(r: ResponseState, now: number): boolean {
    const have = r.pcm.available;
    if (r.ended) return true;
    if (have >= this.#prebufferSamples) return true;
    return have >= this.#spf && r.firstPushAt >= 0 && now - r.firstPushAt >= this.#prebufferMaxWaitMs;
  }

  /** Hand-off deadline of frame k of the current run. */
  #due(g: Grid, k: number): number {
    return g.p0 + (k - this.#lead) * this.#frameMs;
  }

  /**
   * The scheduler: hands over at most one frame, then waits for the capture to settle (which calls
   * it again) or arms one timer for the next thing due. Called on push, end, timer and settle.
   */
  readonly #pump = (): void => {
    if (this.#closed) return;
    const now = this.#clock.now();
    this.#emitDrained(now);
    if (this.#inflight) return;
    let wake = this.#draining.length > 0 ? this.#draining[0].playEnd : Infinity;
    for (;;) {
      const r = this.#queue[0];
      if (!r) {
        this.#grid = null;
        break;
      }
      if (r.ended && r.pcm.available === 0) {
        // everything of it was handed over (tail included): it drains when the sink has played it
        this.#queue.shift();
        // one that never had a frame drains once whatever is ahead of it has played
        if (r.framesOut === 0) r.playEnd = Math.max(now, this.#play.endsAt);
        this.#draining.push(r);
        wake = Math.min(wake, r.playEnd);
        // the next response continues on the same schedule if it is ready, else it starts afresh
        const next = this.#queue[0];
        if (!next || !this.#ready(next, now)) this.#grid = null;
        continue;
      }
      if (!this.#grid) {
        if (!this.#ready(r, now)) {
          if (r.firstPushAt >= 0 && r.pcm.available >= this.#spf) wake = Math.min(wake, r.firstPushAt + this.#prebufferMaxWaitMs);
          break;
        }
        // starts playing when what the sink still holds (an earlier response's tail) has played
        this.#grid = { p0: Math.max(now, this.#play.endsAt), k: 0, startedAt: now, resumedAt: now };
        this.#holeMs = 0; // a pause before a run is not a hole in it
      }
      const g = this.#grid;
      const due = this.#due(g, g.k);
      if (now < due - EARLY_TOLERANCE_MS) {
        wake = Math.min(wake, due);
        break;
      }
      if (r.pcm.available >= this.#spf || (r.ended && r.pcm.available > 0)) {
        this.#sendAudio(r, g, now, due);
        return;
      }
      // due, and less than a frame queued, response not ended: an underrun
      if (!r.inUnderrun) {
        r.inUnderrun = true;
        r.underruns++;
        this.#stats.underruns++;
        this.emit('underrun', r.id);
      }
      // pad once the sink is half a frame from running dry (frame k was to start playing at p0 + k·frameMs)
      const padAt = g.p0 + g.k * this.#frameMs - this.#frameMs / 2;
      if (now >= padAt - EARLY_TOLERANCE_MS) {
        this.#sendSilence(g, now);
        return;
      }
      wake = Math.min(wake, padAt);
      break;
    }
    this.#arm(wake);
  };

  #sendAudio(r: ResponseState, g: Grid, now: number, due: number): void {
    const frame = new AudioFrame(new Int16Array(this.#spf), this.#rate, 1, this.#spf);
    // a tail shorter than a frame leaves the rest of the frame zero: the zero padding
    const n = r.pcm.read(frame.data, this.#spf);
    const audioMs = n * this.#msPerSample;
    if (g.k > 0) this.#closeHole(now);
    this.#stats.audioMs += audioMs;
    r.playEnd = this.#play.record(now, r.serial, audioMs, this.#frameMs);
    r.handedMs += audioMs;
    if (r.inUnderrun) {
      r.inUnderrun = false;
      g.resumedAt = now;
    }
    g.k++;
    // lateness that is ours: against the deadline, or, for frames that were overdue because the
    // audio was late (underrun) or sent at once to prime the sink, against when they could go
    this.#cadence(now - Math.max(due, g.resumedAt, g.startedAt));
    const first = r.framesOut++ === 0;
    this.#capture(frame, { responseId: r.id, handedMs: r.handedMs });
    if (first) this.emit('first-frame', r.id, this.#clock.wallNow());
  }

  #sendSilence(g: Grid, now: number): void {
    // inside a run: the padding is heard as a hole in the answer, and so is any dry time before it
    this.#holeMs += this.#dryMs(now) + this.#frameMs;
    this.#play.record(now, -1, 0, this.#frameMs);
    g.k++;
    this.#stats.silenceFrames++;
    this.#capture(this.#silence);
  }

  /** How long the sink has been empty at `now` (0 while it still plays). */
  #dryMs(now: number): number {
    return Math.max(0, now - this.#play.endsAt);
  }

  /** Audio is back in a run: the hole before it (dry time and padding), if any, was heard. */
  #closeHole(now: number): void {
    const hole = this.#holeMs + this.#dryMs(now);
    this.#holeMs = 0;
    if (hole < AUDIBLE_HOLE_MS) return;
    this.#stats.audibleGaps++;
    this.#stats.audibleGapMs += hole;
  }

  #capture(frame: AudioFrame, tag?: FrameTag): void {
    this.#stats.framesOut++;
    this.#inflight = true;
    this.#inflightFrame = frame;
    this.#captureAt = this.#clock.now();
    this.#arm(Infinity);
    let p: Promise<void>;
    try {
      p = this.#sink.captureFrame(frame, tag);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(this.#onSettled, this.#onFailed);
  }

  readonly #onSettled = (): void => {
    const wait = this.#clock.now() - this.#captureAt;
    this.#captureWait.add(wait);
    if (wait > this.#captureWaitMax) this.#captureWaitMax = wait;
    this.#inflight = false;
    this.#inflightFrame = null;
    if (this.#clearOnSettle) {
      this.#clearOnSettle = false;
      this.#sink.clearQueue();
    }
    this.#pump();
  };

  readonly #onFailed = (err: unknown): void => {
    // once, then every 500th: a closed or broken sink fails every frame
    if (this.#stats.sinkErrors++ % 500 === 0) {
      log.warn({ err: err instanceof Error ? err.message : String(err), errors: this.#stats.sinkErrors }, 'pacer: captureFrame failed');
    }
    this.#onSettled();
  };

  #cadence(dev: number): void {
    const s = this.#stats;
    const a = Math.abs(dev);
    s.devFrames++;
    s.devSumAbs += a;
    if (a > s.devMaxAbs) s.devMaxAbs = a;
    this.#lateness.add(a);
    if (a > 1) s.over1++;
    if (a > 2) s.over2++;
    if (a > 5) s.over5++;
  }

  #emitDrained(now: number): void {
    while (this.#draining.length > 0 && this.#draining[0].playEnd <= now + EARLY_TOLERANCE_MS) {
      const r = this.#draining.shift()!;
      this.#remember(r.id, r.handedMs);
      log.debug(
        { responseId: r.id, frames: r.framesOut, playedMs: Math.round(r.handedMs), underruns: r.underruns },
        'pacer: response played out',
      );
      this.emit('drained', r.id);
    }
  }

  /** One timer for whatever is due first; re-armed only when that moment changes. */
  #arm(at: number): void {
    if (at === this.#timerAt) return;
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    this.#timerAt = at;
    if (at === Infinity) return;
    this.#timer = this.#clock.setTimer(this.#onTimer, Math.max(0, at - this.#clock.now()));
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.#timerAt = Infinity;
    this.#pump();
  };
}
