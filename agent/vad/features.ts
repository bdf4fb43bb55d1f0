/**
 * TEN VAD feature extraction: one 256-sample frame in, the model's input tensor out
 * ([3 context frames × 41 features], newest last). All buffers are allocated once.
 *
 * Per frame:
 *  - pre-emphasis y[n] = x[n] − 0.97·x[n−1] (continuous across frames);
 *  - 768-sample periodic Hann window over the last 3 pre-emphasised frames, zero-padded to a
 *    1024-point FFT → power spectrum (513 bins);
 *  - 40 log-mel energies of that spectrum, z-scored with the trained means/stds;
 *  - pitch (Hz, 0 if unvoiced) from the raw signal, z-scored likewise, as feature 41.
 */
import {
  CONTEXT_FRAMES,
  FEATURE_MEANS,
  FEATURE_STDS,
  FFT_SIZE,
  FRAME_SIZE,
  N_BINS,
  N_FEATURES,
  N_MEL,
  PRE_EMPHASIS,
  WINDOW_SIZE,
} from './constants.js';
import { RealFft } from './fft.js';
import { MelFilterbank } from './mel.js';
import { PitchEstimator } from './pitch.js';

/** Periodic Hann window: w[n] = sin²(πn/N). */
function hannPeriodic(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = Math.fround(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  return w;
}

export class FeatureExtractor {
  /** Model input, row-major [CONTEXT_FRAMES][N_FEATURES]; rewritten in place every frame. */
  readonly stack = new Float32Array(CONTEXT_FRAMES * N_FEATURES);
  /** Last pitch estimate (Hz), for diagnostics. */
  pitchHz = 0;

  private readonly window = hannPeriodic(WINDOW_SIZE);
  private readonly fft = new RealFft(FFT_SIZE);
  private readonly mel = new MelFilterbank();
  private readonly pitch = new PitchEstimator();
  private readonly emphQ = new Float64Array(WINDOW_SIZE);
  private readonly fftIn = new Float64Array(FFT_SIZE);
  private readonly binPow = new Float64Array(N_BINS);
  private prevSample = 0;

  reset(): void {
    this.stack.fill(0);
    this.pitchHz = 0;
    this.pitch.reset();
    this.emphQ.fill(0);
    this.prevSample = 0;
  }

  /** Consumes one FRAME_SIZE frame of int16-scale samples; returns `stack`, updated. */
  push(frame: ArrayLike<number>): Float32Array {
    // Pre-emphasised signal enters the analysis window's queue.
    const q = this.emphQ;
    q.copyWithin(0, FRAME_SIZE);
    const base = WINDOW_SIZE - FRAME_SIZE;
    let prev = this.prevSample;
    for (let i = 0; i < FRAME_SIZE; i++) {
      const x = frame[i]!;
      q[base + i] = x - PRE_EMPHASIS * prev;
      prev = x;
    }
    this.prevSample = prev;

    const fin = this.fftIn; // tail [WINDOW_SIZE, FFT_SIZE) stays zero
    for (let i = 0; i < WINDOW_SIZE; i++) fin[i] = q[i]! * this.window[i]!;
    this.fft.power(fin, this.binPow);

    // Pitch first: its value is part of this frame's features.
    this.pitchHz = this.pitch.process(frame, this.binPow);

    const s = this.stack;
    s.copyWithin(0, N_FEATURES);
    const row = (CONTEXT_FRAMES - 1) * N_FEATURES;
    this.mel.logMelFeatures(this.binPow, s, row);
    s[row + N_MEL] = (this.pitchHz - FEATURE_MEANS[N_MEL]!) / FEATURE_STDS[N_MEL]!;
    return s;
  }
}
