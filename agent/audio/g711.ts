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
  const narrow = resampleWhole(pcm16k, 16_000, 8_000);
  for (let i = 0; i < narrow.length; i++) narrow[i] = ulawDecode(ulawEncode(narrow[i]!));
  return resampleWhole(narrow, 8_000, 16_000);
}

/**
 * A whole recording at another rate, mono, through rtc-node's resampler at its high quality (for
 * clips and offline use: it holds back up to ~100 ms, so live audio uses agent/transports/twilio's
 * fixed-ratio filters instead).
 */
export function resampleWhole(pcm: Int16Array, fromRate: number, toRate: number): Int16Array {
  const r = new AudioResampler(fromRate, toRate, 1, AudioResamplerQuality.HIGH);
  const frames = [...r.push(new AudioFrame(pcm, fromRate, 1, pcm.length)), ...r.flush()];
  r.close();
  const out = new Int16Array(frames.reduce((n, f) => n + f.samplesPerChannel, 0));
  let o = 0;
  for (const f of frames) {
    out.set(f.data.subarray(0, f.samplesPerChannel), o);
    o += f.samplesPerChannel;
  }
  return out;
}
