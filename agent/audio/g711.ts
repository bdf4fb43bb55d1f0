import { AudioFrame, AudioResampler, AudioResamplerQuality } from '@livekit/rtc-node';

/** ITU-T G.711 μ-law: the phone network's 8-bit companding, as PCMU carries it. */
const BIAS = 0x84;
const CLIP = 32635;

export function ulawEncode(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(CLIP, Math.abs(sample)) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  s = ~(sign | (exponent << 4) | mantissa) & 0xff;
  return s;
}

export function ulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? BIAS - t : t - BIAS;
}

/**
 * What a phone call does to 16 kHz speech: band-limited to 8 kHz sampling (anti-aliased by rtc-node's
 * resampler), μ-law companded, and back to 16 kHz, the rate the VAD runs at.
 */
export function telephoneBand(pcm16k: Int16Array): Int16Array {
  const down = new AudioResampler(16_000, 8_000, 1, AudioResamplerQuality.HIGH);
  const up = new AudioResampler(8_000, 16_000, 1, AudioResamplerQuality.HIGH);
  const narrow = concat([...down.push(new AudioFrame(pcm16k, 16_000, 1, pcm16k.length)), ...down.flush()]);
  for (let i = 0; i < narrow.length; i++) narrow[i] = ulawDecode(ulawEncode(narrow[i]!));
  const out = concat([...up.push(new AudioFrame(narrow, 8_000, 1, narrow.length)), ...up.flush()]);
  down.close();
  up.close();
  return out;
}

function concat(frames: AudioFrame[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.samplesPerChannel, 0));
  let o = 0;
  for (const f of frames) {
    out.set(f.data.subarray(0, f.samplesPerChannel), o);
    o += f.samplesPerChannel;
  }
  return out;
}
