import { ulawDecode, ulawEncode } from '../../audio/g711.js';
import type { MediaMessage } from './protocol.js';

/** Helpers for the Twilio transport's tests. */

export function tone(hz: number, rate: number, samples: number, amplitude = 8000): Int16Array<ArrayBuffer> {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

export function rms(s: Int16Array, from = 0, to = s.length): number {
  let acc = 0;
  for (let i = from; i < to; i++) acc += s[i]! * s[i]!;
  return Math.sqrt(acc / Math.max(1, to - from));
}

/** Power of one frequency (Goertzel), normalised so a full-length sine of amplitude A gives A²/4. */
export function powerAt(s: Int16Array, hz: number, rate: number): number {
  const k = (2 * Math.cos((2 * Math.PI * hz) / rate)) as number;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < s.length; i++) {
    const s0 = s[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (s.length * s.length);
}

export function toUlawBase64(pcm8k: Int16Array): string {
  const b = Buffer.alloc(pcm8k.length);
  for (let i = 0; i < pcm8k.length; i++) b[i] = ulawEncode(pcm8k[i]!);
  return b.toString('base64');
}

export function fromUlawBase64(payload: string): Int16Array {
  const b = Buffer.from(payload, 'base64');
  const out = new Int16Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ulawDecode(b[i]!);
  return out;
}

/** The `media` of an inbound message carrying `pcm8k` at `timestampMs`. */
export function inboundMedia(pcm8k: Int16Array, chunk: number, timestampMs: number): MediaMessage['media'] {
  return { track: 'inbound', chunk: String(chunk), timestamp: String(timestampMs), payload: toUlawBase64(pcm8k) };
}
