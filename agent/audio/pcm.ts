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

/** Root mean square of PCM16 samples, in LSB (0 for an empty buffer). */
export function rmsOf(s: Int16Array): number {
  if (s.length === 0) return 0;
  let acc = 0;
  for (let i = 0; i < s.length; i++) acc += s[i]! * s[i]!;
  return Math.sqrt(acc / s.length);
}
