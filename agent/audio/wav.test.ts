import { describe, expect, it } from 'vitest';
import { encodeWav, firstChannel, parseWav, WavFormatError } from './wav.js';

/** Builds a RIFF file from raw chunks (id, body); odd bodies get their pad byte. */
function riff(chunks: [string, Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  const push32 = (v: number): void => {
    parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  };
  const body: number[] = [];
  for (const [id, data] of chunks) {
    for (const c of id) body.push(c.charCodeAt(0));
    body.push(data.length & 0xff, (data.length >>> 8) & 0xff, (data.length >>> 16) & 0xff, data.length >>> 24);
    body.push(...data);
    if (data.length & 1) body.push(0);
  }
  for (const c of 'RIFF') parts.push(c.charCodeAt(0));
  push32(4 + body.length);
  for (const c of 'WAVE') parts.push(c.charCodeAt(0));
  parts.push(...body);
  return Uint8Array.from(parts);
}

function fmtChunk(format: number, channels: number, rate: number, bits: number, extensibleSub?: number): Uint8Array {
  const size = extensibleSub === undefined ? 16 : 40;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint16(0, format, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, (rate * channels * bits) / 8, true);
  v.setUint16(12, (channels * bits) / 8, true);
  v.setUint16(14, bits, true);
  if (extensibleSub !== undefined) {
    v.setUint16(16, 22, true);
    v.setUint16(18, bits, true);
    v.setUint16(24, extensibleSub, true);
  }
  return b;
}

const pcm = (xs: number[]): Uint8Array => new Uint8Array(Int16Array.from(xs).buffer);

describe('parseWav', () => {
  it('round-trips encodeWav', () => {
    const s = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const w = parseWav(encodeWav(s, 16_000));
    expect(w).toEqual({ sampleRate: 16_000, channels: 1, samples: s });
  });

  it('skips extra chunks, including odd-sized ones with a pad byte, before and after data', () => {
    const file = riff([
      ['LIST', new Uint8Array([1, 2, 3, 4, 5])], // odd: padded
      ['fmt ', fmtChunk(1, 1, 8000, 16)],
      ['junk', new Uint8Array(3)],
      ['data', pcm([10, -20, 30])],
      ['LIST', new Uint8Array([9])],
    ]);
    expect(parseWav(file)).toEqual({ sampleRate: 8000, channels: 1, samples: Int16Array.from([10, -20, 30]) });
  });

  it('accepts data before fmt, WAVE_FORMAT_EXTENSIBLE PCM, and stereo', () => {
    const file = riff([
      ['data', pcm([1, 2, 3, 4, 5, 6])],
      ['fmt ', fmtChunk(0xfffe, 2, 48_000, 16, 1)],
    ]);
    const w = parseWav(file);
    expect(w.channels).toBe(2);
    expect(w.sampleRate).toBe(48_000);
    expect(Array.from(firstChannel(w))).toEqual([1, 3, 5]);
  });

  it('tolerates a data size larger than the file and drops a partial last frame', () => {
    const good = encodeWav(Int16Array.from([7, 8, 9]), 16_000);
    const v = new DataView(good.buffer);
    v.setUint32(40, 0xffffffff, true);
    expect(Array.from(parseWav(good).samples)).toEqual([7, 8, 9]);
    const stereoOdd = riff([
      ['fmt ', fmtChunk(1, 2, 16_000, 16)],
      ['data', pcm([1, 2, 3])],
    ]);
    expect(Array.from(parseWav(stereoOdd).samples)).toEqual([1, 2]);
  });

  it('rejects what it cannot read, with a WavFormatError', () => {
    expect(() => parseWav(new Uint8Array(10))).toThrow(WavFormatError);
    expect(() =>
      parseWav(
        riff([
          ['fmt ', fmtChunk(3, 1, 16_000, 32)],
          ['data', new Uint8Array(8)],
        ]),
      ),
    ).toThrow(/format code 3/);
    expect(() =>
      parseWav(
        riff([
          ['fmt ', fmtChunk(1, 1, 16_000, 8)],
          ['data', new Uint8Array(8)],
        ]),
      ),
    ).toThrow(/bit depth 8/);
    expect(() => parseWav(riff([['fmt ', fmtChunk(1, 1, 16_000, 16)]]))).toThrow(/no data chunk/);
    expect(() => parseWav(riff([['data', pcm([1])]]))).toThrow(/no fmt chunk/);
  });
});
