/**
 * TEN VAD's 40-band triangular mel filterbank over 0–8 kHz, and the normalised log-mel features.
 *
 * The band edges are integer FFT bins obtained by truncating a float computation. To land on the
 * same bins as the C library, the edge computation is done step by step in float32 (Math.fround):
 * a bin edge that moved by one would shift a whole band.
 */
import { FEATURE_MEANS, FEATURE_STDS, FFT_SIZE, LOG_EPS, N_MEL, POWER_NORMALISER } from './constants.js';

const SAMPLE_RATE = 16_000;
const f32 = Math.fround;

/** Integer bin edges e[0..N_MEL+1]: band j rises over [e[j], e[j+1]) and falls over [e[j+1], e[j+2]). */
export function melBinEdges(nMel = N_MEL, fftSize = FFT_SIZE): Uint16Array {
  const lowMel = 0; // 2595·log10(1 + 0/700)
  const highMel = f32(2595 * f32(Math.log10(f32(1 + f32(8000 / 700)))));
  const edges = new Uint16Array(nMel + 2);
  for (let i = 0; i < nMel + 2; i++) {
    const mel = f32(f32(f32(i * f32(highMel - lowMel)) / f32(nMel + 1)) + lowMel);
    const hz = f32(700 * f32(f32(Math.pow(10, f32(mel / 2595))) - 1));
    edges[i] = Math.trunc(f32(f32((fftSize + 1) * hz) / SAMPLE_RATE));
    if (i > 0 && edges[i] === edges[i - 1]) throw new Error('mel filterbank has an empty band');
  }
  return edges;
}

/**
 * Sparse filterbank: for each band, the first bin and its weights. Applying it costs ~1 k
 * multiply-adds instead of 40 × 513 for the dense matrix.
 */
export class MelFilterbank {
  private readonly start: Uint16Array;
  private readonly weights: Float32Array[];

  constructor(nMel = N_MEL, fftSize = FFT_SIZE) {
    const e = melBinEdges(nMel, fftSize);
    this.start = new Uint16Array(nMel);
    this.weights = [];
    for (let j = 0; j < nMel; j++) {
      const lo = e[j]!;
      const mid = e[j + 1]!;
      const hi = e[j + 2]!;
      const w = new Float32Array(hi - lo);
      for (let i = lo; i < mid; i++) w[i - lo] = (i - lo) / (mid - lo);
      for (let i = mid; i < hi; i++) w[i - lo] = (hi - i) / (hi - mid);
      this.start[j] = lo;
      this.weights.push(w);
    }
  }

  /**
   * Writes the 40 z-scored log-mel features of one power spectrum into out[offset..offset+40):
   * log(band power / 32768² + 1e-20), minus the trained mean, over the trained std.
   */
  logMelFeatures(binPow: ArrayLike<number>, out: Float32Array, offset: number): void {
    for (let j = 0; j < this.weights.length; j++) {
      const w = this.weights[j]!;
      const s = this.start[j]!;
      let acc = 0;
      for (let i = 0; i < w.length; i++) acc += binPow[s + i]! * w[i]!;
      const logE = Math.log(acc / POWER_NORMALISER + LOG_EPS);
      out[offset + j] = (logE - FEATURE_MEANS[j]!) / (FEATURE_STDS[j]! + LOG_EPS);
    }
  }
}
