/**
 * Order-16 LPC coefficients estimated from a power spectrum the way TEN VAD's pitch estimator
 * does it (an LPCNet derivative): the spectrum is summarised into 18 band energies, smoothed in
 * the log domain, interpolated back to a spectral envelope, turned into an autocorrelation by an
 * inverse cosine transform, and solved with Levinson–Durbin. The LPC filter then whitens the time
 * signal before pitch correlation, so formants do not masquerade as pitch.
 */
import { FFT_SIZE, N_BINS, WINDOW_SIZE } from './constants.js';

export const LPC_ORDER = 16;
const NB_BANDS = 18;
/** Band edges in units of 200 Hz at 16 kHz (LPCNet's 5 ms / 80-point grid), 0 … 8 kHz. */
const BAND_START_80 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 34, 40];
/** Per-band gain correction applied to the envelope before the autocorrelation. */
const BAND_LPC_COMP = [0.8, 1, 1, 1, 1, 1, 1, 1, 0.666667, 0.5, 0.5, 0.5, 0.333333, 0.25, 0.25, 0.2, 0.166667, 0.173913];
/** −40 dB noise floor added to lag 0; computed as the C code does, with integer division first. */
const NOISE_FLOOR = Math.floor(WINDOW_SIZE / 12) / 38;

export class SpectrumLpc {
  /** Band b covers bins [bandOffset[b], bandOffset[b] + bandSize[b]) of the FFT_SIZE spectrum. */
  private readonly bandOffset = new Int32Array(NB_BANDS - 1);
  private readonly bandSize = new Int32Array(NB_BANDS - 1);
  /**
   * acWeights[b·(LPC_ORDER+1) + k]: contribution of band energy b to autocorrelation lag k.
   * The envelope is linear in the band energies and the autocorrelation is linear in the envelope,
   * so the whole "interpolate to 513 bins, inverse DFT" step collapses into this 18 × 17 matrix,
   * computed once (306 multiply-adds per frame instead of ~8.7 k).
   */
  private readonly acWeights = new Float64Array(NB_BANDS * (LPC_ORDER + 1));
  private readonly bandE = new Float64Array(NB_BANDS);
  private readonly ac = new Float64Array(LPC_ORDER + 1);

  constructor() {
    // Band grid scaled from the 80-point FFT it was designed for to ours; roundf of a float
    // product, never a .5 tie for these integers, so Math.round gives the same bins. Neighbouring
    // bands overlap by one bin in three places (rounding); both loops below keep that quirk.
    const rate = Math.fround(FFT_SIZE / 80);
    for (let b = 0; b < NB_BANDS - 1; b++) {
      this.bandSize[b] = Math.round(Math.fround((BAND_START_80[b + 1]! - BAND_START_80[b]!) * rate));
      this.bandOffset[b] = Math.round(Math.fround(BAND_START_80[b]! * rate));
    }

    // Envelope as the C code builds it: env[bin] = (1 − f)·E[b] + f·E[b+1], bands written in
    // order (a later band overwrites an overlapping bin), Nyquist bin forced to 0. Record, per
    // bin, which band wrote it last and at which fraction.
    const last = N_BINS - 1;
    const band = new Int32Array(N_BINS).fill(-1);
    const frac = new Float64Array(N_BINS);
    for (let b = 0; b < NB_BANDS - 1; b++) {
      const size = this.bandSize[b]!;
      for (let j = 0; j < size; j++) {
        const bin = Math.min(last, this.bandOffset[b]! + j);
        band[bin] = b;
        frac[bin] = j / size;
      }
    }
    band[last] = -1;

    // Autocorrelation = inverse real DFT of the zero-phase envelope, without the 1/N scale:
    //   ac[k] = env[0]/2 + Σ_{j=1}^{N/2−1} env[j]·cos(2πjk/N).
    const K = LPC_ORDER + 1;
    for (let bin = 0; bin < last; bin++) {
      const b = band[bin]!;
      if (b < 0) continue;
      const scale = bin === 0 ? 0.5 : 1;
      for (let k = 0; k < K; k++) {
        const c = scale * Math.cos((2 * Math.PI * bin * k) / FFT_SIZE);
        this.acWeights[b * K + k] = this.acWeights[b * K + k]! + (1 - frac[bin]!) * c;
        this.acWeights[(b + 1) * K + k] = this.acWeights[(b + 1) * K + k]! + frac[bin]! * c;
      }
    }
  }

  /** Writes LPC coefficients a[0..15] into `lpc`; the whitening filter is e[n] = x[n] + Σ a[i]·x[n−1−i]. */
  compute(binPow: ArrayLike<number>, lpc: Float64Array): void {
    const bandE = this.bandE;
    const last = N_BINS - 1;

    // 1. Triangular band energies (each bin shared between two neighbouring bands).
    bandE.fill(0);
    for (let b = 0; b < NB_BANDS - 1; b++) {
      const size = this.bandSize[b]!;
      const off = this.bandOffset[b]!;
      for (let j = 0; j < size; j++) {
        const frac = j / size;
        const p = binPow[Math.min(last, off + j)]!;
        bandE[b] = bandE[b]! + (1 - frac) * p;
        bandE[b + 1] = bandE[b + 1]! + frac * p;
      }
    }
    bandE[0] = bandE[0]! * 2;
    bandE[NB_BANDS - 1] = bandE[NB_BANDS - 1]! * 2;

    // 2. Log energies with a spectral floor: no band more than 80 dB under the loudest so far,
    //    nor dropping faster than 25 dB per band. The C code then takes an orthonormal DCT and its
    //    inverse (the LPCNet cepstrum round trip); that is the identity up to float rounding, so
    //    we go straight back to linear band energies, with the per-band compensation.
    let logMax = -2;
    let follow = -2;
    for (let b = 0; b < NB_BANDS; b++) {
      let ly = Math.log10(1e-2 + bandE[b]!);
      ly = Math.max(logMax - 8, Math.max(follow - 2.5, ly));
      logMax = Math.max(logMax, ly);
      follow = Math.max(follow - 2.5, ly);
      bandE[b] = Math.pow(10, ly) * BAND_LPC_COMP[b]!;
    }

    // 3. Autocorrelation of the interpolated envelope (see acWeights), noise floor, lag window.
    const K = LPC_ORDER + 1;
    const ac = this.ac;
    ac.fill(0);
    for (let b = 0; b < NB_BANDS; b++) {
      const e = bandE[b]!;
      const row = b * K;
      for (let k = 0; k < K; k++) ac[k] = ac[k]! + e * this.acWeights[row + k]!;
    }
    ac[0] = ac[0]! + ac[0]! * 1e-4 + NOISE_FLOOR;
    for (let k = 1; k < K; k++) ac[k] = ac[k]! * (1 - 6e-5 * k * k); // lag window

    levinsonDurbin(ac, lpc);
  }
}

/** Levinson–Durbin recursion (CELT flavour): stops once the prediction gain reaches 30 dB. */
function levinsonDurbin(ac: Float64Array, lpc: Float64Array): void {
  lpc.fill(0);
  let error = ac[0]!;
  if (error === 0) return;
  for (let i = 0; i < LPC_ORDER; i++) {
    let rr = 0;
    for (let j = 0; j < i; j++) rr += lpc[j]! * ac[i - j]!;
    rr += ac[i + 1]!;
    const r = -rr / error;
    lpc[i] = r;
    for (let j = 0; j < (i + 1) >> 1; j++) {
      const t1 = lpc[j]!;
      const t2 = lpc[i - 1 - j]!;
      lpc[j] = t1 + r * t2;
      lpc[i - 1 - j] = t2 + r * t1;
    }
    error -= r * r * error;
    if (error < 0.001 * ac[0]!) break;
  }
}
