/**
 * Is a caller turn the agent's own voice coming back?
 *
 * A real caller never repeats the agent verbatim; a speakerphone without echo cancellation does,
 * and so does LiveKit's load-test participant (`lk perf agent-load-test` plays the agent's audio
 * back into the room after a delay). Answering that echo would make the agent talk to itself for
 * ever. So every call keeps the envelope of what the pacer sent (one log-energy value per 20 ms
 * frame, a ring of the last few seconds) and of the caller turn being spoken (from the 16 kHz
 * audio the gate forwards), and at the turn's end compares the two over every echo path from 0 to
 * `maxLagMs`: the normalised correlation of the log-energy envelopes. Log energy makes it blind to
 * gain (a speakerphone's level is an offset), and an envelope survives what a codec does to the
 * waveform (Opus twice, resampling, concealment) where a sample-level comparison would not.
 *
 * A short turn has too few envelope values for a search over hundreds of lags to mean anything
 * (some lag always fits), so below `minSpeechMs` of speech a turn is echo only at the echo path a
 * longer turn of this call already showed (one lag ± 60 ms, not a search): the first word of an
 * echoed sentence ("Sure.") is then caught too, once the path is known.
 *
 * Cost: one pass over each 20 ms of audio either way (a sum of squares), no allocation per frame;
 * the comparison runs once per turn, ~ (turn windows × lags) multiply-adds (≤ 200 × 600).
 */

export interface EchoConfig {
  /** Normalised correlation (0..1) at or above which a turn is the agent's echo. */
  threshold: number;
  /** Longest echo path searched, ms (the delay between the agent's sound and its echo). */
  maxLagMs: number;
  /** Speech in a turn (onset to last voiced hop) below which it is too short to search all lags. */
  minSpeechMs: number;
}

export const DEFAULT_ECHO_CONFIG: EchoConfig = { threshold: 0.8, maxLagMs: 12_000, minSpeechMs: 800 };

export interface EchoVerdict {
  echo: boolean;
  /** Best correlation found, null when nothing could be compared (too short, flat, no output). */
  score: number | null;
  /** Echo path of the best match, ms. */
  lagMs: number | null;
  /** Compared at the call's known echo path only (a short turn). */
  knownPath: boolean;
}

/** One envelope value per this much audio. */
export const ENVELOPE_MS = 20;
/** At most this much of a turn (its end) is compared: longer adds cost, not certainty. */
const COMPARE_MS = 4_000;
const COMPARE_WINDOWS = COMPARE_MS / ENVELOPE_MS;
/**
 * Mean square (int16²) added before the log: RMS 10 LSB, about −70 dBFS. Digital silence and a
 * faint noise floor become one flat value instead of a noisy −∞ that would dominate the correlation.
 */
const ENERGY_FLOOR = 100;
const SILENCE_DB = 10 * Math.log10(ENERGY_FLOOR);
/** An envelope flatter than this (dB, standard deviation) has no shape to compare: no speech in it. */
const MIN_SPREAD_DB = 3;
/** A short turn must still have this much speech to be compared at the known path. */
const KNOWN_PATH_MIN_SPEECH_MS = 300;
/** Slack around the known path, in windows (± 60 ms: jitter buffers move a little). */
const KNOWN_PATH_SLACK = 3;
/** The shortest turn (windows) compared at all. */
const MIN_WINDOWS = KNOWN_PATH_MIN_SPEECH_MS / ENVELOPE_MS;

const dbOf = (sumSquares: number, n: number) => 10 * Math.log10(sumSquares / n + ENERGY_FLOOR);

/** Adds up squares of int16 audio into one value per ENVELOPE_MS (no allocation). */
class EnvelopeAccumulator {
  #sum = 0;
  #count = 0;
  constructor(
    private readonly windowSamples: number,
    private readonly emit: (db: number) => void,
  ) {}

  push(samples: Int16Array): void {
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      this.#sum += s * s;
      if (++this.#count === this.windowSamples) {
        this.emit(dbOf(this.#sum, this.#count));
        this.#sum = 0;
        this.#count = 0;
      }
    }
  }

  reset(): void {
    this.#sum = 0;
    this.#count = 0;
  }
}

export class EchoDetector {
  readonly #cfg: EchoConfig;
  readonly #maxLag: number;
  /** The output's envelope by absolute slot (wall ms / ENVELOPE_MS), a ring of the last #size slots. */
  readonly #size: number;
  readonly #out: Float32Array;
  #lastSlot = -1;
  readonly #outAcc: EnvelopeAccumulator;
  /** Wall ms of the output frame being accumulated. */
  #outAt = 0;
  /** The turn being spoken: its last COMPARE_WINDOWS values, a ring. */
  readonly #turn = new Float32Array(COMPARE_WINDOWS);
  #turnWindows = 0;
  readonly #inAcc: EnvelopeAccumulator;
  /** Scratch for one comparison (output stretch, its prefix sums, the turn centred): made once. */
  readonly #seg: Float64Array;
  readonly #p1: Float64Array;
  readonly #p2: Float64Array;
  readonly #c = new Float64Array(COMPARE_WINDOWS);
  /** The echo path (windows) a long turn of this call matched at, once one has. */
  #knownLag: number | null = null;

  constructor(cfg: Partial<EchoConfig> = {}, o: { outputRate?: number; inputRate?: number } = {}) {
    this.#cfg = { ...DEFAULT_ECHO_CONFIG, ...cfg };
    this.#maxLag = Math.round(this.#cfg.maxLagMs / ENVELOPE_MS);
    // the turn's windows and every lag behind them, and a little for frames handed ahead of time
    this.#size = COMPARE_WINDOWS + this.#maxLag + 16;
    this.#out = new Float32Array(this.#size).fill(SILENCE_DB);
    this.#seg = new Float64Array(COMPARE_WINDOWS + this.#maxLag);
    this.#p1 = new Float64Array(COMPARE_WINDOWS + this.#maxLag + 1);
    this.#p2 = new Float64Array(COMPARE_WINDOWS + this.#maxLag + 1);
    const outWindow = ((o.outputRate ?? 24_000) * ENVELOPE_MS) / 1000;
    const inWindow = ((o.inputRate ?? 16_000) * ENVELOPE_MS) / 1000;
    this.#outAcc = new EnvelopeAccumulator(outWindow, (db) => this.#writeOut(db));
    this.#inAcc = new EnvelopeAccumulator(inWindow, (db) => {
      this.#turn[this.#turnWindows++ % COMPARE_WINDOWS] = db;
    });
  }

  /**
   * A frame the pacer handed to the room at wall ms `at` (silence padding too). Frames in a run
   * take consecutive slots whatever their hand-off jitter (they play back to back); a pause starts
   * the next run at its own time, the slots between being silence.
   */
  output(frame: Int16Array, at: number): void {
    this.#outAt = at;
    this.#outAcc.push(frame);
  }

  /** A caller turn starts: its audio from before the onset (the gate's pre-roll). */
  beginTurn(preRoll: Int16Array): void {
    this.#turnWindows = 0;
    this.#inAcc.reset();
    this.#inAcc.push(preRoll);
  }

  /** More of the turn's audio, as the gate forwards it. */
  turnAudio(samples: Int16Array): void {
    this.#inAcc.push(samples);
  }

  /** The echo path found so far in this call (ms), if any. */
  get knownLagMs(): number | null {
    return this.#knownLag === null ? null : this.#knownLag * ENVELOPE_MS;
  }

  /**
   * The turn has ended: its last audio reached us at wall ms `endAt`, with `speechMs` of speech
   * (onset to last voiced hop). Is it the agent's own output, `lag` later?
   */
  judge(endAt: number, speechMs: number): EchoVerdict {
    const none: EchoVerdict = { echo: false, score: null, lagMs: null, knownPath: false };
    const n = Math.min(this.#turnWindows, COMPARE_WINDOWS);
    const long = speechMs >= this.#cfg.minSpeechMs;
    if (n < MIN_WINDOWS || speechMs < KNOWN_PATH_MIN_SPEECH_MS || (!long && this.#knownLag === null)) return none;
    // the turn's envelope, oldest first, centred
    const c = this.#c;
    let mean = 0;
    for (let k = 0; k < n; k++) {
      const v = this.#turn[(this.#turnWindows - n + k) % COMPARE_WINDOWS]!;
      c[k] = v;
      mean += v;
    }
    mean /= n;
    let cNorm = 0;
    for (let k = 0; k < n; k++) {
      const v = c[k]! - mean;
      c[k] = v;
      cNorm += v * v;
    }
    if (Math.sqrt(cNorm / n) < MIN_SPREAD_DB) return none;
    cNorm = Math.sqrt(cNorm);

    // the output stretch the turn could echo: its windows at lag maxLag … 0, oldest first
    const endSlot = Math.floor(endAt / ENVELOPE_MS);
    this.#advanceTo(endSlot);
    const first = endSlot - n - this.#maxLag; // slot of seg[0]
    const len = n + this.#maxLag;
    const seg = this.#seg;
    const p1 = this.#p1;
    const p2 = this.#p2;
    p1[0] = p2[0] = 0;
    for (let i = 0; i < len; i++) {
      const slot = first + i;
      // older than the ring, or not yet sent (a frame handed ahead of time): nothing known, silence
      const v = slot > this.#lastSlot || slot <= this.#lastSlot - this.#size || slot < 0 ? SILENCE_DB : this.#out[slot % this.#size]!;
      seg[i] = v;
      p1[i + 1] = p1[i]! + v;
      p2[i + 1] = p2[i]! + v * v;
    }
    const lo = long ? 0 : Math.max(0, this.#knownLag! - KNOWN_PATH_SLACK);
    const hi = long ? this.#maxLag : Math.min(this.#maxLag, this.#knownLag! + KNOWN_PATH_SLACK);
    let best = -1;
    let bestLag = -1;
    for (let lag = lo; lag <= hi; lag++) {
      const a = this.#maxLag - lag; // seg index of the turn's first window at this lag
      const sx = p1[a + n]! - p1[a]!;
      const varX = p2[a + n]! - p2[a]! - (sx * sx) / n;
      if (varX <= 0 || Math.sqrt(varX / n) < MIN_SPREAD_DB) continue; // no speech sent then
      let dot = 0;
      for (let k = 0; k < n; k++) dot += c[k]! * seg[a + k]!;
      const r = dot / (cNorm * Math.sqrt(varX));
      if (r > best) {
        best = r;
        bestLag = lag;
      }
    }
    if (bestLag < 0) return none;
    const echo = best >= this.#cfg.threshold;
    if (echo && long) this.#knownLag = bestLag;
    return { echo, score: Math.round(best * 1000) / 1000, lagMs: bestLag * ENVELOPE_MS, knownPath: !long };
  }

  #writeOut(db: number): void {
    const slot = Math.max(this.#lastSlot + 1, Math.floor(this.#outAt / ENVELOPE_MS));
    this.#advanceTo(slot - 1);
    this.#out[slot % this.#size] = db;
    this.#lastSlot = slot;
  }

  /** Slots up to `slot` with nothing sent are silence. */
  #advanceTo(slot: number): void {
    if (slot <= this.#lastSlot) return;
    const from = Math.max(this.#lastSlot + 1, slot - this.#size + 1);
    for (let s = from; s <= slot; s++) this.#out[s % this.#size] = SILENCE_DB;
    this.#lastSlot = slot;
  }
}
