import { windowRms } from '../agent/audio/pcm.js';
/**
 * Gaps in audio as a listener received it: silence inside a stretch of sound, where a silence of
 * PAUSE_MS or more is a pause between utterances rather than a hole. Used by the pacer bench (a
 * continuous test signal: every gap is a defect) and by the load runner (speech: natural pauses
 * between words count too, so only the rate under load against one room alone means something).
 */

/** Below this RMS (int16 units) a 10 ms window is silence; speech and the bench signal are far above. */
export const SILENT_RMS = 150;
/** A silence this long or longer is a pause between responses, not a gap inside one. */
export const PAUSE_MS = 180;
const WINDOW_MS = 10;

export interface Gaps {
  /** Silence inside sound: total ms and number of holes. */
  gap_ms: number;
  gaps: number;
  /** Sound received, ms. */
  received_ms: number;
}

/** One flag per 10 ms window of PCM: sound (RMS ≥ SILENT_RMS) or silence. */
export function loudWindows(pcm: Int16Array, sampleRate: number): boolean[] {
  return Array.from(windowRms(pcm, Math.round((sampleRate * WINDOW_MS) / 1000)), (r) => r >= SILENT_RMS);
}

/** Gaps in a sequence of 10 ms sound/silence flags, in arrival order. */
export function countGaps(loud: boolean[]): Gaps {
  let gapMs = 0;
  let gaps = 0;
  const received = loud.filter(Boolean).length * WINDOW_MS;
  let i = loud.indexOf(true);
  while (i >= 0 && i < loud.length) {
    let j = i;
    while (j < loud.length && loud[j]) j++; // sound
    let k = j;
    while (k < loud.length && !loud[k]) k++; // the silence after it
    const silentMs = (k - j) * WINDOW_MS;
    if (k < loud.length && silentMs < PAUSE_MS) {
      gapMs += silentMs;
      gaps++;
    }
    i = k < loud.length ? k : -1;
  }
  return { gap_ms: gapMs, gaps, received_ms: received };
}

/** Holes per minute of sound received: comparable between calls of different length. */
export function gapsPerMinute(g: Gaps): number | null {
  return g.received_ms > 0 ? Math.round((g.gaps / (g.received_ms / 60_000)) * 10) / 10 : null;
}
