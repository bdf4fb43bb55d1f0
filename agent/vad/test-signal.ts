/**
 * Deterministic synthetic audio for tests that must not depend on shared data: alternating
 * stretches of a voiced-like harmonic tone with a gliding pitch, low noise, and silence.
 */
export function syntheticSpeechLike(seconds: number, sampleRate = 16_000): Int16Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Int16Array(n);
  let seed = 0x2545f491;
  const rand = (): number => {
    // xorshift32: reproducible noise without Math.random
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0xffffffff - 0.5;
  };
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const segment = Math.floor(t / 0.6) % 3; // 0: voiced, 1: noise, 2: near-silence
    const f0 = 120 + 40 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * f0) / sampleRate;
    let v = 0;
    if (segment === 0) {
      for (let h = 1; h <= 12; h++) v += Math.sin(h * phase) / h;
      v *= 6000 * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t));
      v += 200 * rand();
    } else if (segment === 1) {
      v = 1500 * rand();
    } else {
      v = 20 * rand();
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}
