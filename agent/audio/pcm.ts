/** Joins PCM16 buffers end to end. */
export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Mean square of each whole window of `n` samples of `pcm` (a partial window at the end is dropped). */
export function windowMeanSquares(pcm: Int16Array, n: number): Float64Array {
  const out = new Float64Array(Math.floor(pcm.length / n));
  for (let w = 0; w < out.length; w++) {
    let acc = 0;
    for (let i = w * n; i < (w + 1) * n; i++) acc += pcm[i]! * pcm[i]!;
    out[w] = acc / n;
  }
  return out;
}

/** RMS of each whole window of `n` samples of `pcm`, in LSB. */
export function windowRms(pcm: Int16Array, n: number): Float64Array {
  return windowMeanSquares(pcm, n).map(Math.sqrt);
}

/** Root mean square of PCM16 samples, in LSB (0 for an empty buffer). */
export function rmsOf(s: Int16Array): number {
  if (s.length === 0) return 0;
  let acc = 0;
  for (let i = 0; i < s.length; i++) acc += s[i]! * s[i]!;
  return Math.sqrt(acc / s.length);
}
