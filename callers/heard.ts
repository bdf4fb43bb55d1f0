import { rmsOf } from '../agent/audio/pcm.js';

/** RMS (int16) above which a 20 ms window of received audio counts as speech. */
export const SPEECH_RMS = 500;

/** 20 ms windows of `s` whose RMS says speech. */
export function voicedWindows(s: Int16Array, rate: number): number {
  const w = rate / 50;
  let n = 0;
  for (let i = 0; i + w <= s.length; i += w) if (rmsOf(s.subarray(i, i + w)) > SPEECH_RMS) n++;
  return n;
}
