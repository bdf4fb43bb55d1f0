/**
 * Real-input FFT returning the power spectrum |X[k]|², k = 0..N/2, of an unnormalised DFT
 * (X[k] = Σ x[n]·e^{-2πikn/N}), which is what TEN VAD's front end feeds its mel filterbank and
 * pitch LPC. Computed as one N/2-point complex radix-2 FFT of the even/odd-packed signal plus a
 * split step, in double precision, with every table built once: no allocation per call.
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly bitrev: Uint32Array;
  /** Twiddles of the N/2-point complex FFT: e^{-2πik/(N/2)}, k < N/4. */
  private readonly cosH: Float64Array;
  private readonly sinH: Float64Array;
  /** Twiddles of the split step: e^{-2πik/N}, k ≤ N/2. */
  private readonly cosS: Float64Array;
  private readonly sinS: Float64Array;

  constructor(size: number) {
    if (size < 4 || (size & (size - 1)) !== 0) throw new RangeError(`FFT size must be a power of two ≥ 4, got ${size}`);
    this.size = size;
    const h = size >> 1;
    this.half = h;
    this.re = new Float64Array(h);
    this.im = new Float64Array(h);
    this.bitrev = new Uint32Array(h);
    const bits = Math.log2(h);
    for (let i = 0; i < h; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitrev[i] = r;
    }
    this.cosH = new Float64Array(h >> 1);
    this.sinH = new Float64Array(h >> 1);
    for (let k = 0; k < h >> 1; k++) {
      this.cosH[k] = Math.cos((2 * Math.PI * k) / h);
      this.sinH[k] = -Math.sin((2 * Math.PI * k) / h);
    }
    this.cosS = new Float64Array(h + 1);
    this.sinS = new Float64Array(h + 1);
    for (let k = 0; k <= h; k++) {
      this.cosS[k] = Math.cos((2 * Math.PI * k) / size);
      this.sinS[k] = -Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** Power spectrum of `input` (length N) into `out` (length ≥ N/2 + 1). */
  power(input: ArrayLike<number>, out: Float32Array | Float64Array): void {
    const h = this.half;
    const re = this.re;
    const im = this.im;
    // Pack x[2n] + i·x[2n+1] in bit-reversed order.
    for (let n = 0; n < h; n++) {
      const j = this.bitrev[n]!;
      re[j] = input[2 * n]!;
      im[j] = input[2 * n + 1]!;
    }
    // Iterative radix-2 decimation-in-time butterflies. First stage has unit twiddles; later
    // stages load each twiddle once and sweep all blocks with it.
    for (let a = 0; a < h; a += 2) {
      const br = re[a + 1]!;
      const bi = im[a + 1]!;
      re[a + 1] = re[a]! - br;
      im[a + 1] = im[a]! - bi;
      re[a] = re[a]! + br;
      im[a] = im[a]! + bi;
    }
    for (let len = 4; len <= h; len <<= 1) {
      const halfLen = len >> 1;
      const step = h / len;
      for (let k = 0; k < halfLen; k++) {
        const wr = this.cosH[k * step]!;
        const wi = this.sinH[k * step]!;
        for (let a = k; a < h; a += len) {
          const b = a + halfLen;
          const xr = re[b]!;
          const xi = im[b]!;
          const br = xr * wr - xi * wi;
          const bi = xr * wi + xi * wr;
          re[b] = re[a]! - br;
          im[b] = im[a]! - bi;
          re[a] = re[a]! + br;
          im[a] = im[a]! + bi;
        }
      }
    }
    // Split: X[k] = E[k] + W^k·O[k], with E = (Z[k] + Z*[h-k])/2, O = (Z[k] − Z*[h-k])/(2i).
    out[0] = (re[0]! + im[0]!) * (re[0]! + im[0]!);
    out[h] = (re[0]! - im[0]!) * (re[0]! - im[0]!);
    for (let k = 1; k < h; k++) {
      const zr = re[k]!;
      const zi = im[k]!;
      const cr = re[h - k]!;
      const ci = -im[h - k]!;
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const dr = zr - cr;
      const di = zi - ci;
      // O = (dr + i·di) / (2i) = (di − i·dr) / 2
      const or = 0.5 * di;
      const oi = -0.5 * dr;
      const wr = this.cosS[k]!;
      const wi = this.sinS[k]!;
      const xr = er + or * wr - oi * wi;
      const xi = ei + or * wi + oi * wr;
      out[k] = xr * xr + xi * xi;
    }
  }
}
