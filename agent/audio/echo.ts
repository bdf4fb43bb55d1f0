/**
 * Is a caller turn the agent's own voice coming back?
 *
 * A real caller never repeats the agent verbatim; a speakerphone without echo cancellation does,
 * and so does LiveKit's load-test participant (`lk perf agent-load-test` plays the agent's audio
 * back into the room after a delay). Answering that echo would make the agent talk to itself for
 * ever. So every call keeps the envelope of what the pacer sent (one log-energy value per 20 ms
 * frame, a ring of the last ~16 s) and of the caller turn being spoken (from the 16 kHz audio the
 * gate forwards), and at the turn's end looks for the turn in that history at every delay from 0
 * to `maxLagMs`: normalised correlation of the log-energy envelopes, both taken over the 30 dB
 * below their own peak. Log energy makes it blind to gain (a speakerphone's level is an offset),
 * and an envelope survives what a codec does to the waveform (Opus twice, resampling, concealment)
 * where a sample-level comparison would not.
 *
 * An echo is not one fixed delay: a jitter buffer stretches and shrinks, and a stalled process
 * (the agent's, the far end's) inserts a gap after which everything comes later. So the turn is
 * compared in half-second blocks, each at its own delay, the delay moving at most ±100 ms from one
 * block to the next (a path found by dynamic programming); the score is the blocks' correlation
 * averaged by how much each block's level moves. A delayed copy scores ~0.98, other speech — even
 * in the agent's own voice, right after it spoke — ~0.5–0.67; the threshold is 0.8.
 *
 * A short turn has too few envelope values for a search over hundreds of delays to mean anything
 * (some delay always fits), so below `minSpeechMs` of speech a turn is echo only near the delay an
 * echo already showed in this call (± 500 ms, not a search) and must match better (halfway from
 * the threshold to 1): the first word of an echoed sentence ("Sure.") is then caught too, once the
 * path is known. Under 2 s of speech (CONFIDENT_SPEECH_MS) any turn must match that well: on the
 * real stack a caller's 1.2 s question ("What time is it?") scored 0.83 against the agent's 1.3 s
 * answer five seconds before it (the free delay per block fits two short sentences of like
 * rhythm) and was dropped as echo. Losing a caller's question is far worse than answering an echo
 * once; a real echo of a short line still scores ~0.98.
 *
 * Cost: one pass over each 20 ms of audio either way (a sum of squares), no allocation per frame
 * (all buffers are made with the detector); the comparison runs once per turn, about
 * (turn windows × delays) multiply-adds, ≤ 200 × 600.
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
/**
 * Both envelopes are compared over this range below their own loudest value (dB): what is quieter
 * is floor on either side. The far end's noise (or its codec's) would otherwise stand in the quiet
 * parts where the agent's output was silence, and bend the comparison.
 */
const RANGE_DB = 30;
/** An envelope flatter than this (dB, standard deviation) has no shape to compare: no speech in it. */
const MIN_SPREAD_DB = 3;
/** A short turn must still have this much speech to be compared at the known path. */
const KNOWN_PATH_MIN_SPEECH_MS = 300;
/** Speech below which a match must be as strong as for a short turn, whatever the search (see above). */
const CONFIDENT_SPEECH_MS = 2000;
/**
 * Slack around the known path, in windows (± 500 ms: jitter buffers and stalls move it, and a job
 * behind on its input reads the caller later than it arrived).
 */
const KNOWN_PATH_SLACK = 25;
/** Windows compared at one delay: half a second. The delay may differ from block to block. */
const BLOCK = 25;
/**
 * How far the delay may move from one block to the next, windows (± 100 ms per 500 ms). An echo is
 * not one fixed delay: a jitter buffer stretches and shrinks, a stalled process (ours, the far
 * end's) inserts a gap and everything after it comes later.
 */
const DRIFT = 5;
/** What a step of one window costs, in correlation. */
const DRIFT_COST = 0.01;
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
  readonly #dp: [Float64Array, Float64Array];
  /** The path's previous delay per block and delay, and each block's weight (scratch). */
  readonly #from: Int16Array;
  readonly #blockWeight = new Float64Array(COMPARE_WINDOWS / BLOCK + 1);
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
    this.#dp = [new Float64Array(this.#maxLag + 1), new Float64Array(this.#maxLag + 1)];
    this.#from = new Int16Array((COMPARE_WINDOWS / BLOCK + 1) * (this.#maxLag + 1));
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
    // the turn's envelope, oldest first
    const c = this.#c;
    let peak = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      const v = this.#turn[(this.#turnWindows - n + k) % COMPARE_WINDOWS]!;
      c[k] = v;
      if (v > peak) peak = v;
    }
    let sum = 0;
    let sq = 0;
    for (let k = 0; k < n; k++) {
      const v = Math.max(c[k]!, peak - RANGE_DB);
      c[k] = v;
      sum += v;
      sq += v * v;
    }
    if (Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2)) < MIN_SPREAD_DB) return none;

    // the output stretch the turn could echo: its windows at lag maxLag … 0, oldest first
    const endSlot = Math.floor(endAt / ENVELOPE_MS);
    this.#advanceTo(endSlot);
    const first = endSlot - n - this.#maxLag; // slot of seg[0]
    const len = n + this.#maxLag;
    const seg = this.#seg;
    const p1 = this.#p1;
    const p2 = this.#p2;
    let segPeak = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < len; i++) {
      const slot = first + i;
      // older than the ring, or not yet sent (a frame handed ahead of time): nothing known, silence
      const v = slot > this.#lastSlot || slot <= this.#lastSlot - this.#size || slot < 0 ? SILENCE_DB : this.#out[slot % this.#size]!;
      seg[i] = v;
      if (v > segPeak) segPeak = v;
    }
    p1[0] = p2[0] = 0;
    for (let i = 0; i < len; i++) {
      const v = Math.max(seg[i]!, segPeak - RANGE_DB);
      seg[i] = v;
      p1[i + 1] = p1[i]! + v;
      p2[i + 1] = p2[i]! + v * v;
    }
    const start = long
      ? { lo: 0, hi: this.#maxLag }
      : { lo: Math.max(0, this.#knownLag! - KNOWN_PATH_SLACK), hi: Math.min(this.#maxLag, this.#knownLag! + KNOWN_PATH_SLACK) };
    const { score, lag } = alignedMatch(c, n, seg, p1, p2, this.#maxLag, start, this.#dp, this.#from, this.#blockWeight);
    if (lag < 0) return none;
    // one block of a short word fits something by chance more easily (0.77 for another word along
    // the path, 0.998 for the echo; a 1.2 s question 0.83 against an answer): a turn under 2 s
    // must match halfway from the threshold to 1
    const sure = long && speechMs >= CONFIDENT_SPEECH_MS;
    const echo = score >= (sure ? this.#cfg.threshold : (1 + this.#cfg.threshold) / 2);
    if (echo) this.#knownLag = lag;
    return { echo, score: Math.round(score * 1000) / 1000, lagMs: lag * ENVELOPE_MS, knownPath: !long };
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

/**
 * The best match of the turn (`c`, n raw values) against the output (`seg` with its prefix sums):
 * the turn cut into blocks of BLOCK windows, each compared (Pearson) at its own delay, the delay
 * moving at most DRIFT windows from one block to the next and starting in `start`; the score is
 * the mean correlation over the blocks that have speech in them (a path found by dynamic
 * programming over blocks × delays). A block whose output at a delay is flat (nothing was said
 * then) scores 0 there. Returns the delay at the turn's end (-1: nothing to compare).
 * `c` is centred block by block in place; `dp` is scratch of maxLag + 1 values each.
 */
function alignedMatch(
  c: Float64Array,
  n: number,
  seg: Float64Array,
  p1: Float64Array,
  p2: Float64Array,
  maxLag: number,
  start: { lo: number; hi: number },
  dp: [Float64Array, Float64Array],
  from: Int16Array,
  blockWeight: Float64Array,
): { score: number; lag: number } {
  const blocks = Math.max(1, Math.floor(n / BLOCK));
  const lo = Math.max(0, start.lo - blocks * DRIFT);
  const hi = Math.min(maxLag, start.hi + blocks * DRIFT);
  let [prev, cur] = dp;
  const stride = maxLag + 1;
  let weights = 0;
  for (let b = 0; b < blocks; b++) {
    const k0 = b * BLOCK;
    const k1 = b === blocks - 1 ? n : k0 + BLOCK;
    const m = k1 - k0;
    let mean = 0;
    for (let k = k0; k < k1; k++) mean += c[k]!;
    mean /= m;
    let norm = 0;
    for (let k = k0; k < k1; k++) {
      const v = c[k]! - mean;
      c[k] = v;
      norm += v * v;
    }
    // a block counts by how much its level moves (its spread, dB): a near-flat one says little
    const spread = Math.sqrt(norm / m);
    const speech = spread >= MIN_SPREAD_DB;
    const w = speech ? spread * (m / BLOCK) : 0;
    weights += w;
    blockWeight[b] = w;
    norm = Math.sqrt(norm);
    for (let lag = lo; lag <= hi; lag++) {
      let r = 0;
      if (speech) {
        const a = maxLag - lag + k0; // seg index of the block's first window at this delay
        const sx = p1[a + m]! - p1[a]!;
        const varX = p2[a + m]! - p2[a]! - (sx * sx) / m;
        if (varX > 0 && Math.sqrt(varX / m) >= MIN_SPREAD_DB) {
          let dot = 0;
          for (let k = 0; k < m; k++) dot += c[k0 + k]! * seg[a + k]!;
          r = dot / (norm * Math.sqrt(varX));
        }
      }
      let before: number;
      if (b === 0) before = lag >= start.lo && lag <= start.hi ? 0 : Number.NEGATIVE_INFINITY;
      else {
        // moving costs a little, so the path keeps one delay unless the audio says otherwise
        before = Number.NEGATIVE_INFINITY;
        for (let d = Math.max(lo, lag - DRIFT); d <= Math.min(hi, lag + DRIFT); d++) {
          const v = prev[d]! - DRIFT_COST * w * Math.abs(d - lag);
          if (v > before) {
            before = v;
            from[b * stride + lag] = d;
          }
        }
      }
      cur[lag] = before + w * r;
    }
    [prev, cur] = [cur, prev];
  }
  if (weights === 0) return { score: 0, lag: -1 };
  let best = Number.NEGATIVE_INFINITY;
  let lag = -1;
  for (let l = lo; l <= hi; l++) {
    if (prev[l]! > best) {
      best = prev[l]!;
      lag = l;
    }
  }
  // nothing of the path had output to compare with: the agent was silent then
  if (best <= 0) return { score: 0, lag: -1 };
  // the delay where the turn says most (its loudest-moving block): a quiet tail lets the path wander
  let heaviest = -1;
  let lagThere = lag;
  for (let b = blocks - 1, l = lag; b >= 0; l = b > 0 ? from[b * stride + l]! : l, b--) {
    if (blockWeight[b]! > heaviest) {
      heaviest = blockWeight[b]!;
      lagThere = l;
    }
  }
  return { score: best / weights, lag: lagThere };
}
