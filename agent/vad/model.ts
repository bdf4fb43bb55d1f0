/**
 * The TEN VAD ONNX network: input_1 = features [1, 3, 41], four recurrent states
 * input_2/3/6/7 [1, 64] fed back from output_2/3/6/7; output_1 [1, 1, 1] = speech probability.
 *
 * One InferenceSession per instance (sessions are not shared: each stream has its own state).
 * Feed and fetch tensors wrap buffers allocated once (ORT writes the outputs into them); the new
 * state is copied from the output buffers into the input buffers after every run. Runs single-threaded, like the C library: the model is tiny, and thread hand-offs
 * would cost more than they save.
 */
import ort from 'onnxruntime-node';
import { CONTEXT_FRAMES, HIDDEN_DIM, N_FEATURES, STATE_RESET_FRAMES } from './constants.js';

const STATE_NAMES = [
  ['input_2', 'output_2'],
  ['input_3', 'output_3'],
  ['input_6', 'output_6'],
  ['input_7', 'output_7'],
] as const;

export class TenVadModel {
  private readonly features = new Float32Array(CONTEXT_FRAMES * N_FEATURES);
  private readonly states = STATE_NAMES.map(() => new Float32Array(HIDDEN_DIM));
  private readonly feeds: Record<string, ort.Tensor>;
  /** Pre-allocated outputs: ORT writes into these buffers instead of allocating per run. */
  private readonly prob = new Float32Array(1);
  private readonly nextStates = STATE_NAMES.map(() => new Float32Array(HIDDEN_DIM));
  private readonly fetches: Record<string, ort.Tensor>;
  private framesSinceReset = 0;
  /** Bumped by resetState(): a run that was in flight across a reset must not restore old state. */
  private epoch = 0;
  private closed = false;

  private constructor(private readonly session: ort.InferenceSession) {
    this.feeds = { input_1: new ort.Tensor('float32', this.features, [1, CONTEXT_FRAMES, N_FEATURES]) };
    this.fetches = { output_1: new ort.Tensor('float32', this.prob, [1, 1, 1]) };
    STATE_NAMES.forEach(([input, output], i) => {
      this.feeds[input] = new ort.Tensor('float32', this.states[i]!, [1, HIDDEN_DIM]);
      this.fetches[output] = new ort.Tensor('float32', this.nextStates[i]!, [1, HIDDEN_DIM]);
    });
  }

  static async load(modelPath: string): Promise<TenVadModel> {
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const missing = ['input_1', ...STATE_NAMES.map(([i]) => i)].filter((n) => !session.inputNames.includes(n));
    if (missing.length > 0) {
      await session.release();
      throw new Error(`${modelPath} is not the TEN VAD model (missing inputs ${missing.join(', ')})`);
    }
    return new TenVadModel(session);
  }

  /** Zero recurrent state, as for a fresh stream. */
  resetState(): void {
    for (const s of this.states) s.fill(0);
    this.framesSinceReset = 0;
    this.epoch++;
  }

  /** Runs one frame; `features` is the [3 × 41] stack. Resolves to the speech probability. */
  async run(features: Float32Array): Promise<number> {
    if (this.closed) throw new Error('TenVadModel used after close()');
    this.features.set(features);
    const epoch = this.epoch;
    await this.session.run(this.feeds, this.fetches);
    const prob = this.prob[0]!;
    if (epoch !== this.epoch) return prob; // reset while in flight: keep the fresh (zero) state
    for (let i = 0; i < this.states.length; i++) this.states[i]!.set(this.nextStates[i]!);
    // The reference clears the recurrent state every STATE_RESET_FRAMES frames (the feature
    // context is kept): reproduce it so long streams give the same output as the C library.
    if (++this.framesSinceReset >= STATE_RESET_FRAMES) this.resetState();
    return prob;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}
