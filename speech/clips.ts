import { run, speakPcm } from './espeak.js';
import { rmsOf } from '../agent/audio/pcm.js';

/**
 * Real speech for test callers: espeak-ng speaks the text, sox converts it to mono PCM16 at `rate`.
 * Deterministic for a given text and voice, so tests are repeatable without shipping audio files.
 */
export function speak(text: string, rate = 48_000, voice = 'en-us'): Promise<Int16Array> {
  return speakPcm(text, rate, { voice });
}

/** Speech as a G.711 μ-law WAV at 8 kHz (what a phone caller sends), followed by `silenceMs` of silence. */
export async function speakPhoneWav(text: string, path: string, silenceMs = 0, voice = 'en-us'): Promise<void> {
  const wav = await run('espeak-ng', ['-v', voice, '-s', '165', '--stdout', text]);
  const pad = silenceMs > 0 ? ['pad', '0', `${silenceMs / 1000}`] : [];
  await run('sox', ['-t', 'wav', '-', '-r', '8000', '-c', '1', '-e', 'u-law', path, ...pad], wav);
}

/**
 * Silence at the end of a clip, in ms: after its last 10 ms window above `floorRms` (int16 units;
 * 33 ≈ −60 dBFS). A fixed level, on purpose: the caller's own idea of where its speech ended must
 * not depend on the agent's VAD, whose lag is what a latency measured from it would hide.
 */
export function trailingSilenceMs(samples: Int16Array, rate: number, floorRms = 33): number {
  const win = Math.round(rate / 100);
  for (let end = samples.length; end > 0; end -= win) {
    if (rmsOf(samples.subarray(Math.max(0, end - win), end)) > floorRms) return ((samples.length - end) / rate) * 1000;
  }
  return (samples.length / rate) * 1000;
}

/** Ms of silence before a clip's first 10 ms above −60 dBFS (the mirror of trailingSilenceMs). */
export function leadingSilenceMs(samples: Int16Array, rate: number, floorRms = 33): number {
  const win = rate / 100;
  for (let o = 0; o + win <= samples.length; o += win) if (rmsOf(samples.subarray(o, o + win)) > floorRms) return (o / rate) * 1000;
  return (samples.length / rate) * 1000;
}

/** When a clip's speech began (its first sound left the microphone), from when its last sample did (`endedAt`, epoch ms). */
export function speechOnsetAt(endedAt: number, clip: Int16Array, rate: number): number {
  return endedAt - (clip.length / rate) * 1000 + leadingSilenceMs(clip, rate);
}
