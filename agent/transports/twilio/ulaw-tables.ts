import { ulawDecode, ulawEncode } from '../../audio/g711.js';

/**
 * G.711 μ-law as lookup tables, built once from agent/audio/g711.ts: the Twilio leg converts 8,000
 * samples a second each way, and a table read is cheaper than the encoder's segment search.
 */

/** μ-law byte → PCM16. */
export const ULAW_TO_PCM: Int16Array = (() => {
  const t = new Int16Array(256);
  for (let b = 0; b < 256; b++) t[b] = ulawDecode(b);
  return t;
})();

/** PCM16 sample (as `sample & 0xffff`) → μ-law byte. 64 KiB. */
export const PCM_TO_ULAW: Uint8Array = (() => {
  const t = new Uint8Array(65_536);
  for (let u = 0; u < 65_536; u++) t[u] = ulawEncode(u >= 32_768 ? u - 65_536 : u);
  return t;
})();

/** The μ-law byte of silence (PCM 0). */
export const ULAW_SILENCE = 0xff;
