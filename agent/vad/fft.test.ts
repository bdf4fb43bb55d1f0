import { describe, expect, it } from 'vitest';
import { RealFft } from './fft.js';
import { melBinEdges } from './mel.js';

function naivePower(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
      im -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
    }
    out[k] = re * re + im * im;
  }
  return out;
}

describe('RealFft', () => {
  it.each([4, 8, 64, 1024])('matches a direct DFT (N = %i)', (n) => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 1000 * Math.sin(i * 0.37) + ((i * 7919) % 13) - 6;
    const got = new Float64Array(n / 2 + 1);
    new RealFft(n).power(x, got);
    const want = naivePower(x);
    const scale = Math.max(...want);
    for (let k = 0; k <= n / 2; k++) expect(Math.abs(got[k]! - want[k]!) / scale).toBeLessThan(1e-12);
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealFft(1000)).toThrow(RangeError);
  });
});

describe('mel filterbank', () => {
  it('has the C library band edges (float32 truncation: 19, not 20, for edge 6)', () => {
    const e = Array.from(melBinEdges());
    expect(e.length).toBe(42);
    expect(e.slice(0, 8)).toEqual([0, 2, 5, 9, 12, 16, 19, 24]);
    expect(e[41]).toBe(512);
    for (let i = 1; i < e.length; i++) expect(e[i]!).toBeGreaterThan(e[i - 1]!);
  });
});
