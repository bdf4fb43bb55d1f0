import { describe, expect, it } from 'vitest';
import { Downsampler24to8, Upsampler8to16 } from './resample.js';
import { powerAt, rms, tone } from './testing.js';

function down(input: Int16Array, pieces: number[]): Int16Array {
  const d = new Downsampler24to8();
  const out = new Int16Array(input.length);
  let o = 0;
  let i = 0;
  for (let p = 0; i < input.length; p++) {
    const n = Math.min(pieces[p % pieces.length]!, input.length - i);
    const expected = d.outputLength(n);
    const wrote = d.process(input.subarray(i, i + n), out, o);
    expect(wrote).toBe(expected);
    o += wrote;
    i += n;
  }
  return out.subarray(0, o);
}

function up(input: Int16Array, pieces: number[]): Int16Array {
  const u = new Upsampler8to16();
  const out = new Int16Array(input.length * 2);
  let o = 0;
  let i = 0;
  for (let p = 0; i < input.length; p++) {
    const n = Math.min(pieces[p % pieces.length]!, input.length - i);
    const wrote = u.process(input.subarray(i, i + n), out, o);
    expect(wrote).toBe(2 * n);
    o += wrote;
    i += n;
  }
  return out;
}

describe('24 → 8 kHz', () => {
  it('gives exactly 160 samples for every 480, from the first frame on', () => {
    const d = new Downsampler24to8();
    const out = new Int16Array(200);
    for (let f = 0; f < 20; f++) expect(d.process(tone(1000, 24_000, 480), out)).toBe(160);
  });

  it('keeps a 1 kHz tone (level within 1 %) and removes a 6 kHz one that would alias to 2 kHz', () => {
    const pass = down(tone(1000, 24_000, 24_000), [480]);
    expect(pass.length).toBe(8000);
    const inRms = 8000 / Math.SQRT2;
    expect(Math.abs(rms(pass, 800) / inRms - 1)).toBeLessThan(0.01);
    // a 6 kHz tone decimated without a filter lands at 2 kHz at full level
    const alias = down(tone(6000, 24_000, 24_000), [480]);
    expect(rms(alias, 800)).toBeLessThan(inRms * 0.002); // below −54 dB
    expect(powerAt(alias.subarray(800), 2000, 8000)).toBeLessThan(1);
  });

  it('streams: any split of the input gives the same samples as one piece', () => {
    const input = tone(700, 24_000, 9_000).map((v, i) => v + ((i * 7919) % 2001) - 1000);
    const whole = down(input, [input.length]);
    expect(down(input, [480])).toEqual(whole);
    expect(down(input, [1, 2, 7, 480, 13, 1000, 5])).toEqual(whole);
  });

  it('forgets the past on reset', () => {
    const d = new Downsampler24to8();
    const out = new Int16Array(160);
    d.process(tone(1000, 24_000, 480, 20_000), out);
    d.reset();
    d.process(new Int16Array(480), out);
    expect(out.every((v) => v === 0)).toBe(true);
  });
});

describe('8 → 16 kHz', () => {
  it('doubles the length exactly and keeps a 440 Hz tone (level within 1 %)', () => {
    const out = up(tone(440, 8000, 8000), [160]);
    expect(out.length).toBe(16_000);
    expect(Math.abs(rms(out, 1600) / (8000 / Math.SQRT2) - 1)).toBeLessThan(0.01);
    // it is still 440 Hz at 16 kHz: the power is there, not elsewhere
    expect(powerAt(out.subarray(1600), 440, 16_000)).toBeGreaterThan((0.9 * (8000 * 8000)) / 4);
  });

  it('rejects the image: a 3 kHz tone has nothing at 5 kHz (−50 dB)', () => {
    const out = up(tone(3000, 8000, 8000), [160]).subarray(1600);
    expect(powerAt(out, 5000, 16_000)).toBeLessThan(powerAt(out, 3000, 16_000) * 1e-5);
  });

  it('streams: any split gives the same samples, silence included', () => {
    const input = tone(300, 8000, 3000).map((v, i) => v + ((i * 104729) % 3001) - 1500);
    const whole = up(input, [input.length]);
    expect(up(input, [160])).toEqual(whole);
    expect(up(input, [1, 37, 160, 333, 2])).toEqual(whole);

    const a = new Upsampler8to16();
    const b = new Upsampler8to16();
    const oa = new Int16Array(2000);
    const ob = new Int16Array(2000);
    a.process(input.subarray(0, 500), oa);
    a.process(new Int16Array(300), oa, 1000);
    b.process(input.subarray(0, 500), ob);
    b.processSilence(300, ob, 1000);
    expect(ob).toEqual(oa);
  });
});
