import { describe, expect, it } from 'vitest';
import { telephoneBand, ulawDecode, ulawEncode } from './g711.js';

describe('G.711 μ-law', () => {
  it('matches the standard code points', () => {
    // values from ITU-T G.711 (μ-law): silence, the largest positive and negative codes
    expect(ulawEncode(0)).toBe(0xff);
    expect(ulawEncode(32767)).toBe(0x80);
    expect(ulawEncode(-32768)).toBe(0x00);
    expect(ulawDecode(0xff)).toBe(0);
    expect(ulawDecode(0x80)).toBe(32124);
    expect(ulawDecode(0x00)).toBe(-32124);
  });

  it('round-trips every 8-bit code and keeps error within the segment step', () => {
    for (let b = 0; b < 256; b++) if (b !== 0x7f) expect(ulawEncode(ulawDecode(b))).toBe(b); // 0x7f is -0, decodes to 0 = 0xff
    for (const s of [5, 100, 1000, 8000, 20000, -300, -15000]) {
      const back = ulawDecode(ulawEncode(s));
      expect(Math.abs(back - s)).toBeLessThanOrEqual(Math.max(4, Math.abs(s) / 16));
    }
  });

  it('telephone band keeps a 1 kHz tone and removes a 6 kHz one', () => {
    const tone = (hz: number) => new Int16Array(16_000).map((_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * hz * i) / 16_000)));
    const rms = (s: Int16Array) => Math.sqrt(s.slice(2000, 14000).reduce((a, v) => a + v * v, 0) / 12000);
    expect(rms(telephoneBand(tone(1000)))).toBeGreaterThan(6000);
    expect(rms(telephoneBand(tone(6000)))).toBeLessThan(300);
  });
});
