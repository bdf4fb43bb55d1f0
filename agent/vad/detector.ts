/**
 * TEN VAD as a FrameDetector: one hop (160 or 256 samples of 16 kHz int16) in, one probability out,
 * reproducing the reference C library hop for hop.
 *
 * The model always works on 256-sample frames. Hops are queued until a full frame is available;
 * each hop reports the probability of the most recent complete frame. Hence, at hop 160:
 *  - hop 0 has no complete frame yet → warm-up (the C library returns −1);
 *  - afterwards 5 frames complete per 8 hops, so 3 hops in 8 repeat the previous value
 *    (the "pairs" seen in the reference output).
 * At hop 256 every hop completes exactly one frame: no warm-up, no repeats.
 */
import { FRAME_SIZE } from './constants.js';
import { FeatureExtractor } from './features.js';
import { resolveModelPath } from './model-path.js';
import { TenVadModel } from './model.js';
import type { FrameDetector, FrameResult, HopSize } from './types.js';

export interface TenVadOptions {
  /** Model file; default: resolveModelPath() (TEN_VAD_MODEL or models/ten-vad.onnx). */
  modelPath?: string;
  hopSize: HopSize;
  /** Flag threshold (probability strictly above it is speech). Default 0.5, as the reference. */
  threshold?: number;
}

export class TenVadDetector implements FrameDetector {
  readonly hopSize: HopSize;
  readonly threshold: number;

  private readonly features = new FeatureExtractor();
  /** Samples waiting for the next full model frame. */
  private readonly frame = new Float32Array(FRAME_SIZE);
  private fill = 0;
  private index = 0;
  /** Latest model output; −1 until the first frame has run (reference convention). */
  private score = -1;
  /** Serialises overlapping process() calls; undefined when idle. */
  private pending: Promise<unknown> | undefined;
  private inFlight = 0;
  /** Bumped by reset(): results of a hop that straddled a reset must not leak into the new stream. */
  private epoch = 0;
  private closed = false;

  private constructor(
    private readonly model: TenVadModel,
    hopSize: HopSize,
    threshold: number,
  ) {
    this.hopSize = hopSize;
    this.threshold = threshold;
  }

  static async create(opts: TenVadOptions): Promise<TenVadDetector> {
    const { hopSize } = opts;
    checkHopSize(hopSize);
    const threshold = opts.threshold ?? 0.5;
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new RangeError(`TEN VAD threshold must be in [0, 1], got ${threshold}`);
    }
    const model = await TenVadModel.load(opts.modelPath ?? resolveModelPath());
    return new TenVadDetector(model, hopSize, threshold);
  }

  process(hop: Int16Array): Promise<FrameResult> {
    const refused = refuseHop('TenVadDetector', hop, this.hopSize, this.closed);
    if (refused) return Promise.reject(refused);
    // Common case: callers await each hop, so no copy and no chaining. If a hop arrives while
    // another is still in the model, copy it (the caller may reuse its buffer) and queue it.
    const epoch = this.epoch;
    if (this.inFlight === 0) return this.track(this.step(hop, epoch));
    const copy = hop.slice();
    const prev = this.pending ?? Promise.resolve();
    const run = (): Promise<FrameResult> => this.step(copy, epoch);
    return this.track(prev.then(run, run));
  }

  private track(p: Promise<FrameResult>): Promise<FrameResult> {
    this.inFlight++;
    this.pending = p;
    const done = (): void => {
      if (--this.inFlight === 0) this.pending = undefined;
    };
    p.then(done, done);
    return p;
  }

  private async step(hop: Int16Array, epoch: number): Promise<FrameResult> {
    // A hop queued before reset() belongs to the old stream: drop it rather than feed the new one.
    if (epoch !== this.epoch) return { index: -1, probability: 0, flag: false, warmup: true };
    const index = this.index++;
    // A hop never completes more than one frame (hop ≤ FRAME_SIZE), but may straddle two.
    let taken = Math.min(hop.length, FRAME_SIZE - this.fill);
    for (let i = 0; i < taken; i++) this.frame[this.fill + i] = hop[i]!;
    this.fill += taken;
    if (this.fill === FRAME_SIZE) {
      const stack = this.features.push(this.frame);
      this.fill = 0;
      for (; taken < hop.length; taken++) this.frame[this.fill++] = hop[taken]!;
      const p = await this.model.run(stack);
      if (epoch !== this.epoch) return { index, probability: Math.max(0, p), flag: p > this.threshold };
      this.score = p;
    }
    const score = this.score;
    if (score < 0) return { index, probability: 0, flag: false, warmup: true };
    return { index, probability: score, flag: score > this.threshold };
  }

  /** Back to the state of a fresh stream: filter memories, feature context, recurrent state. */
  reset(): void {
    this.features.reset();
    this.model.resetState();
    this.frame.fill(0);
    this.fill = 0;
    this.index = 0;
    this.score = -1;
    this.epoch++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pending?.catch(() => undefined);
    await this.model.close();
  }
}

/** The hop sizes the model supports; anything else is refused before a model is loaded. */
export function checkHopSize(hopSize: number): void {
  if (hopSize !== 160 && hopSize !== 256) {
    throw new RangeError(`TEN VAD hop size must be 160 or 256 samples, got ${String(hopSize)}`);
  }
}

/** Why `who` cannot take `hop` (closed, not int16, not one hop long), or null when it can. */
export function refuseHop(who: string, hop: Int16Array, hopSize: number, closed: boolean): Error | null {
  if (closed) return new Error(`${who} used after close()`);
  if (!(hop instanceof Int16Array)) return new TypeError(`${who}.process expects an Int16Array`);
  if (hop.length !== hopSize) return new RangeError(`${who}.process expects exactly ${hopSize} samples, got ${hop.length}`);
  return null;
}
