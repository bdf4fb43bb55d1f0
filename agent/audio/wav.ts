/**
 * Minimal, strict reader for RIFF/WAVE files holding 16-bit PCM (mono or interleaved multi-channel,
 * any sample rate). Used by tools and tests that feed recorded audio through the audio path.
 *
 * Robust to what real files contain: extra chunks before or after `data` (LIST, fact, cue, bext…),
 * odd-sized chunks followed by a pad byte, WAVE_FORMAT_EXTENSIBLE headers whose sub-format is PCM,
 * and a `data` size that overruns the file (streams written without a final size patch).
 */
import { readFileSync } from 'node:fs';

export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved samples (frames × channels). */
  samples: Int16Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export class WavFormatError extends Error {
  override name = 'WavFormatError';
}

/**
 * The chunks of a RIFF/WAVE file, in order: id, offset of the body, size as written. Chunk bodies
 * are padded to an even length (RIFF rule); the pad byte is not counted in the chunk size.
 */
export function* wavChunks(buf: Uint8Array): Generator<{ id: string; body: number; size: number }> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (off: number): string => String.fromCharCode(buf[off]!, buf[off + 1]!, buf[off + 2]!, buf[off + 3]!);
  if (buf.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let off = 12;
  while (off + 8 <= buf.byteLength) {
    const size = view.getUint32(off + 4, true);
    yield { id: tag(off), body: off + 8, size };
    off += 8 + size + (size & 1);
  }
}

/** Byte offset of a WAV file's sample data, of any format: where a player streaming its bytes reaches the audio. */
export function wavDataOffset(buf: Uint8Array): number {
  for (const c of wavChunks(buf)) if (c.id === 'data') return c.body;
  throw new WavFormatError('no data chunk');
}

/** Parses a WAV file held in memory. Throws WavFormatError on anything other than PCM16. */
export function parseWav(buf: Uint8Array): WavAudio {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | undefined;
  let dataOff = -1;
  let dataLen = 0;

  for (const { id, body, size } of wavChunks(buf)) {
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.byteLength) throw new WavFormatError('truncated fmt chunk');
      let format = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format code in the first 2 bytes of the sub-format GUID.
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= buf.byteLength) {
        format = view.getUint16(body + 24, true);
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      dataOff = body;
      // A size larger than what is left (e.g. 0xFFFFFFFF from a live recorder) means "to the end".
      dataLen = Math.min(size, buf.byteLength - body);
      if (fmt) break; // everything needed is known; trailing chunks are irrelevant
    }
  }

  if (!fmt) throw new WavFormatError('no fmt chunk');
  if (dataOff < 0) throw new WavFormatError('no data chunk');
  if (fmt.format !== WAVE_FORMAT_PCM) throw new WavFormatError(`unsupported format code ${fmt.format} (only PCM)`);
  if (fmt.bits !== 16) throw new WavFormatError(`unsupported bit depth ${fmt.bits} (only 16)`);
  if (fmt.channels < 1) throw new WavFormatError('zero channels');
  if (fmt.sampleRate < 1) throw new WavFormatError('zero sample rate');

  const frameBytes = 2 * fmt.channels;
  const nSamples = Math.floor(dataLen / frameBytes) * fmt.channels; // drop a trailing partial frame
  const samples = new Int16Array(nSamples);
  for (let i = 0; i < nSamples; i++) samples[i] = view.getInt16(dataOff + 2 * i, true);
  return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples };
}

export function readWav(path: string): WavAudio {
  return parseWav(readFileSync(path));
}

/** First channel of interleaved audio (what a mono pipeline should hear from a stereo file). */
export function firstChannel(audio: WavAudio): Int16Array {
  if (audio.channels === 1) return audio.samples;
  const n = Math.floor(audio.samples.length / audio.channels);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = audio.samples[i * audio.channels]!;
  return out;
}

/** Encodes PCM16 as a canonical 44-byte-header WAV (for tests and tools). */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const dataLen = samples.length * 2;
  const out = new Uint8Array(44 + dataLen);
  const v = new DataView(out.buffer);
  const put = (off: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[off + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, 36 + dataLen, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, WAVE_FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, dataLen, true);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + 2 * i, samples[i]!, true);
  return out;
}
