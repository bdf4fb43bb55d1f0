/**
 * Pitch estimator of TEN VAD (derived from LPCNet's open-loop pitch search), one call per
 * 256-sample frame. The pitch frequency (0 when unvoiced) is the 41st model feature.
 *
 * Pipeline per frame:
 *  1. LPC from the frame's spectrum, whitening filter on the raw signal (delayed by 80 samples),
 *     plus a 0.7 one-tap emphasis of the residual.
 *  2. 5-section biquad low-pass, decimation 16 kHz → 4 kHz (64 samples per frame).
 *  3. Normalised cross-correlation of two 32-sample halves against lags 0..63 (4 kHz samples),
 *     with sub-harmonic damping.
 *  4. A Viterbi-like path over the last 3 frames (6 half-frames) picks the most consistent lag;
 *     the path's mean correlation decides voicing (≥ 0.4); a weighted linear fit over the path
 *     gives the period, hence the pitch.
 */
import { FRAME_SIZE } from './constants.js';
import { LPC_ORDER, SpectrumLpc } from './lpc.js';

const DECIMATION = 4; // 16 kHz → 4 kHz
const PROC_FS = 16_000 / DECIMATION;
const MIN_PERIOD = 32 / DECIMATION; // 500 Hz at 4 kHz
const MAX_PERIOD = 256 / DECIMATION; // 62.5 Hz
const DIF_PERIOD = MAX_PERIOD - MIN_PERIOD;
const DEC_FRAME = FRAME_SIZE / DECIMATION; // 64 decimated samples per frame
const EXC_LEN = MAX_PERIOD + DEC_FRAME + 1;
const HALF = FRAME_SIZE / (DECIMATION * 2); // correlation window: half a frame, 32 samples
/** Frames of correlation history the path search spans (40 ms rounded up to whole frames). */
const N_FEAT = Math.ceil((40 * 16_000) / (FRAME_SIZE * 1000));
const N_SUB = 2 * N_FEAT;
/** The whitened signal lags the input by this many samples (LPCNet's training alignment). */
const TRAINING_OFFSET = 80;
const INPUT_Q_LEN = Math.max(TRAINING_OFFSET, FRAME_SIZE) + FRAME_SIZE;
const VOICED_THRESHOLD = 0.4;
const PATH_PENALTY = 0.02;

/** Elliptic low-pass before decimation to 4 kHz: 5 biquads, b = [1, b1, 1], a = [1, a1, a2], gain g. */
const LP_B1 = [1.198825, -0.5674614, -1.099061, -1.265846, -1.318849];
const LP_A1 = [-1.445267, -1.42672, -1.408255, -1.400909, -1.408242];
const LP_A2 = [0.5463974, 0.6820138, 0.8286664, 0.924032, 0.9789776];
const LP_G = 0.2692541;
const N_SECT = LP_B1.length;

export class PitchEstimator {
  private readonly lpcEst = new SpectrumLpc();
  private readonly lpc = new Float64Array(LPC_ORDER);
  private readonly inputQ = new Float64Array(INPUT_Q_LEN);
  /** [previous frame's last LPC_ORDER inputs | this frame's inputs]: the FIR filter's history. */
  private readonly firBuf = new Float64Array(LPC_ORDER + FRAME_SIZE);
  private pitchFilt = 0;
  private readonly whitened = new Float64Array(FRAME_SIZE);
  private readonly sectW = new Float64Array(N_SECT * 2);
  private readonly exc = new Float64Array(EXC_LEN);
  private readonly excSq = new Float64Array(EXC_LEN);
  private readonly xcInst = new Float64Array(MAX_PERIOD);
  /** Circular buffer of N_SUB correlation rows (2 per frame); row 2·xcOffset is the oldest frame. */
  private readonly xCorr = new Float64Array(N_SUB * MAX_PERIOD);
  private xcOffset = 0;
  private readonly frmWeight = new Float64Array(N_SUB);
  private readonly frmWeightNorm = new Float64Array(N_SUB);
  private readonly pathPrev = new Float64Array(MAX_PERIOD);
  private readonly pathCur = new Float64Array(MAX_PERIOD);
  /** Back-pointers of the path search, one row per half-frame (oldest first). */
  private readonly pitchPrev = new Int32Array(N_SUB * MAX_PERIOD);
  private pathMaxAll = 0;
  private bestPeriod = 0;
  private readonly periodLocal = new Int32Array(N_SUB);

  reset(): void {
    this.inputQ.fill(0);
    this.firBuf.fill(0);
    this.pitchFilt = 0;
    this.sectW.fill(0);
    this.exc.fill(0);
    this.excSq.fill(0);
    this.xCorr.fill(0);
    this.xcOffset = 0;
    this.frmWeight.fill(0);
    this.frmWeightNorm.fill(0);
    this.pathPrev.fill(0);
    this.pathCur.fill(0);
    this.pitchPrev.fill(0);
    this.pathMaxAll = 0;
    this.bestPeriod = 0;
  }

  /**
   * @param frame  FRAME_SIZE raw samples (int16 scale, no pre-emphasis)
   * @param binPow power spectrum of the pre-emphasised, windowed signal ending with this frame
   * @returns pitch in Hz, 0 when the frame is judged unvoiced
   */
  process(frame: ArrayLike<number>, binPow: ArrayLike<number>): number {
    this.lpcEst.compute(binPow, this.lpc);
    this.whiten(frame);
    this.decimateIntoExcitation();
    this.correlate();
    return this.searchPath();
  }

  private whiten(frame: ArrayLike<number>): void {
    const q = this.inputQ;
    q.copyWithin(0, FRAME_SIZE);
    for (let i = 0; i < FRAME_SIZE; i++) q[INPUT_Q_LEN - FRAME_SIZE + i] = frame[i]!;
    const start = Math.max(0, INPUT_Q_LEN - FRAME_SIZE - TRAINING_OFFSET);
    const lpc = this.lpc;
    const buf = this.firBuf;
    buf.copyWithin(0, FRAME_SIZE); // keep the last LPC_ORDER inputs as history
    for (let i = 0; i < FRAME_SIZE; i++) buf[LPC_ORDER + i] = q[start + i]!;
    for (let i = 0; i < FRAME_SIZE; i++) {
      const n = LPC_ORDER + i;
      let s = buf[n]!;
      for (let j = 0; j < LPC_ORDER; j++) s += lpc[j]! * buf[n - 1 - j]!;
      this.whitened[i] = s + 0.7 * this.pitchFilt;
      this.pitchFilt = s;
    }
  }

  private decimateIntoExcitation(): void {
    const buf = this.whitened;
    const w = this.sectW;
    // Direct-form-II biquads, in place, section after section.
    for (let k = 0; k < N_SECT; k++) {
      const b1 = LP_B1[k]!;
      const a1 = LP_A1[k]!;
      const a2 = LP_A2[k]!;
      let w0 = w[2 * k]!;
      let w1 = w[2 * k + 1]!;
      for (let i = 0; i < FRAME_SIZE; i++) {
        const t = buf[i]! - a1 * w0 - a2 * w1;
        buf[i] = LP_G * (t + b1 * w0 + w1);
        w1 = w0;
        w0 = t;
      }
      w[2 * k] = w0;
      w[2 * k + 1] = w1;
    }
    const exc = this.exc;
    exc.copyWithin(0, DEC_FRAME);
    for (let i = 0; i < DEC_FRAME; i++) exc[EXC_LEN - DEC_FRAME + i] = buf[i * DECIMATION]!;
    for (let i = 0; i < EXC_LEN; i++) this.excSq[i] = exc[i]! * exc[i]!;
  }

  private correlate(): void {
    const exc = this.exc;
    const sq = this.excSq;
    const fw = this.frmWeight;
    for (let i = 0; i < N_FEAT - 1; i++) {
      fw[2 * i] = fw[2 * i + 2]!;
      fw[2 * i + 1] = fw[2 * i + 3]!;
    }
    for (let sub = 0; sub < 2; sub++) {
      const row = (2 * this.xcOffset + sub) * MAX_PERIOD;
      const off = sub * HALF;
      const ref = MAX_PERIOD + off;
      for (let lag = 0; lag < MAX_PERIOD; lag++) {
        let s = 0;
        for (let t = 0; t < HALF; t++) s += exc[ref + t]! * exc[off + lag + t]!;
        this.xcInst[lag] = s;
      }
      let energy0 = 0;
      for (let t = 0; t < HALF; t++) energy0 += sq[ref + t]!;
      fw[2 * (N_FEAT - 1) + sub] = energy0;

      // Normalise by the energies of both windows; the lagged one slides along.
      let slid = 0;
      for (let t = 0; t < HALF; t++) slid += sq[off + t]!;
      const xc = this.xCorr;
      xc[row] = (2 * this.xcInst[0]!) / Math.max(1e-12, slid + (1 + energy0));
      for (let lag = 1; lag < MAX_PERIOD; lag++) {
        slid = Math.max(0, slid - sq[off + lag - 1]!) + sq[off + lag + HALF - 1]!;
        xc[row + lag] = (2 * this.xcInst[lag]!) / Math.max(1e-12, slid + (1 + energy0));
      }

      // Damp short lags that are not clearly above the correlation at twice the lag: favours
      // the fundamental over its harmonics. (Reads only entries this loop has not touched.)
      for (let lag = 0; lag < MAX_PERIOD - 2 * MIN_PERIOD; lag++) {
        let m = xc[row + ((MAX_PERIOD + lag) >> 1)]!;
        m = Math.max(m, xc[row + ((MAX_PERIOD + lag + 2) >> 1)]!);
        m = Math.max(m, xc[row + ((MAX_PERIOD + lag - 1) >> 1)]!);
        if (xc[row + lag]! < m * 1.1) xc[row + lag] = xc[row + lag]! * 0.8;
      }
    }
    this.xcOffset = (this.xcOffset + 1) % N_FEAT;
  }

  /** Row of the circular correlation buffer holding half-frame `sub` (0 = oldest). */
  private xcRow(sub: number): number {
    let idx = sub + 2 * this.xcOffset;
    if (idx >= N_SUB) idx -= N_SUB;
    return idx * MAX_PERIOD;
  }

  private searchPath(): number {
    const fw = this.frmWeight;
    const fwn = this.frmWeightNorm;
    let total = 1e-15;
    for (let s = 0; s < N_SUB; s++) total += fw[s]!;
    for (let s = 0; s < N_SUB; s++) fwn[s] = fw[s]! * (N_SUB / total);

    const prev = this.pitchPrev;
    prev.copyWithin(0, 2 * MAX_PERIOD); // drop the oldest frame's two back-pointer rows
    const xc = this.xCorr;
    const path0 = this.pathPrev;
    const path1 = this.pathCur;

    // Forward step for the two new half-frames.
    for (let sub = N_SUB - 2; sub < N_SUB; sub++) {
      const row = this.xcRow(sub);
      const prow = sub * MAX_PERIOD;
      for (let i = 0; i < DIF_PERIOD; i++) {
        let best = this.pathMaxAll - 1e10;
        prev[prow + i] = this.bestPeriod;
        // The C code starts the search at lag 4 for every i > 4 (not at i − 4 as in LPCNet);
        // the quadratic penalty makes distant predecessors lose anyway, but keep it identical.
        for (let j = Math.min(0, 4 - i); j <= 4 && i + j < DIF_PERIOD; j++) {
          const v = path0[i + j]! - PATH_PENALTY * j * j;
          if (v > best) {
            best = v;
            prev[prow + i] = i + j;
          }
        }
        path1[i] = best + fwn[sub]! * xc[row + i]!;
      }
      let maxV = -1e15;
      let arg = 0;
      for (let i = 0; i < DIF_PERIOD; i++) {
        if (path1[i]! > maxV) {
          maxV = path1[i]!;
          arg = i;
        }
      }
      this.pathMaxAll = maxV;
      this.bestPeriod = arg;
      path0.set(path1);
      for (let i = 0; i < DIF_PERIOD; i++) path0[i] = path0[i]! - maxV;
    }

    // Backward pass along the back-pointers: lag per half-frame and mean path correlation.
    let lag = this.bestPeriod;
    let corr = 0;
    for (let sub = N_SUB - 1; sub >= 0; sub--) {
      this.periodLocal[sub] = MAX_PERIOD - lag;
      corr += fwn[sub]! * xc[this.xcRow(sub) + lag]!;
      lag = prev[sub * MAX_PERIOD + lag]!;
    }
    corr = Math.max(0, corr / N_SUB);
    const voiced = corr >= VOICED_THRESHOLD;
    if (!voiced) return 0;

    // Energy-weighted linear fit of period over the half-frames, slope bounded to ±1/8 of the
    // mean per frame span; the period is read at the fit's value for half-frame 5.5.
    let sw = 0;
    let sx = 0;
    let sxx = 0;
    let sxy = 0;
    let sy = 0;
    for (let s = 0; s < N_SUB; s++) {
      const w = fwn[s]!;
      const p = this.periodLocal[s]!;
      sw += w;
      sx += w * s;
      sxx += w * s * s;
      sxy += w * s * p;
      sy += w * p;
    }
    const den = sw * sxx - sx * sx;
    let slope = (sw * sxy - sx * sy) / (den === 0 ? 1e-15 : den);
    const bound = sy / sw / (4 * 2 * N_FEAT);
    slope = Math.min(bound, Math.max(-bound, slope));
    const intercept = (sy - slope * sx) / sw;
    const period = intercept + 5.5 * slope;
    return PROC_FS / Math.max(1, period);
  }
}
