/**
 * Where each moment of a heard answer came from in the audio that was sent for it: a dynamic time
 * warping of the two loudness envelopes (log RMS over 10 ms, every FRAME_MS). A step may match a
 * heard frame with a sent one, add a heard frame that stands for nothing sent (a hole's silence,
 * a receiver's stretching), or pass over a sent frame the caller never heard (a receiver dropping
 * audio to catch up, an answer cut short). Adding heard silence is cheap and adding anything else
 * dear, so the warping puts a hole where the heard audio is silent and the sent is not, whatever
 * the codec did to the waveform; speech's own pauses are matched, silence to silence, for free.
 */
import { windowMeanSquares } from '../agent/audio/pcm.js';

/** The warping's step (ms): the holes are measured to about this. */
export const FRAME_MS = 2;
/** The loudness envelope's smoothing: the voice's pitch periods smoothed away, the syllables left. */
const ENVELOPE_MS = 10;
/** log10(RMS + FLOOR): below it all is flat, so a codec's noise in a pause costs nothing. */
const FLOOR_RMS = 100;
/** Per frame: a heard frame of silence that stands for nothing sent (what a hole is made of). */
const ADD_SILENT = 0.01;
/** Per frame: heard voiced audio that stands for nothing sent (a receiver stretching the voice). */
const ADD_VOICED = 1.5;
/** Per frame: a sent frame passed over (a receiver dropping audio; the answer cut short). */
const SKIP_SILENT = 0.05;
const SKIP_VOICED = 1.5;
/** How far the delay may go below its start (receivers drop audio to catch up) and above it (holes). */
const MAX_EARLIER_MS = 300;
const MAX_LATER_MS = 3000;

/** For every heard frame, the sent frame it stands for at its start and at its end (they differ where sent frames were passed over). */
export interface Warp {
  /** Sent frame matched (or last matched) when the heard frame was first reached. */
  first: Int32Array;
  /** Sent frame matched (or last matched) when it was left. */
  last: Int32Array;
}

/** A signal's loudness, one value per FRAME_MS (log10 of RMS + FLOOR_RMS). */
export interface Loudness {
  /** Over ENVELOPE_MS around each frame: what is matched. */
  shape: Float64Array;
  /** Over the frame alone: whether it is silent (sharp at a hole's edges, where the shape is smeared). */
  frame: Float64Array;
}

/** The loudness of `pcm`, one value per FRAME_MS. */
export function loudness(pcm: Int16Array, rate: number): Loudness {
  const energy = windowMeanSquares(pcm, Math.round(rate / 1000));
  const ms = energy.length;
  const frames = Math.floor(ms / FRAME_MS);
  const mean = (from: number, to: number) => {
    let acc = 0;
    for (let k = from; k < to; k++) acc += energy[k]!;
    return Math.log10(Math.sqrt(acc / Math.max(1, to - from)) + FLOOR_RMS);
  };
  const shape = new Float64Array(frames);
  const frame = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const mid = f * FRAME_MS + FRAME_MS / 2;
    shape[f] = mean(Math.max(0, Math.round(mid - ENVELOPE_MS / 2)), Math.min(ms, Math.round(mid + ENVELOPE_MS / 2)));
    frame[f] = mean(f * FRAME_MS, (f + 1) * FRAME_MS);
  }
  return { shape, frame };
}

/** The loudness a frame at `rms` has. */
export function levelOf(rms: number): number {
  return Math.log10(rms + FLOOR_RMS);
}

/**
 * The warping of `heard` onto `sent`, frames voiced above `voicedLevel`. Both ends
 * are open: the heard audio may start a little before or after the sent audio's first sound, and
 * stop anywhere (an answer cut off). The delay (heard frame − sent frame) stays within
 * MAX_EARLIER_MS below and MAX_LATER_MS above where the two first sounds put it.
 */
export function warp(heard: Loudness, sent: Loudness, voicedLevel: number): Warp | null {
  const n = heard.shape.length;
  const m = sent.shape.length;
  const firstH = heard.frame.findIndex((x) => x > voicedLevel);
  const firstS = sent.frame.findIndex((x) => x > voicedLevel);
  if (n === 0 || m === 0 || firstH < 0 || firstS < 0) return null;
  const d0 = firstH - firstS;
  const lo = d0 - Math.round(MAX_EARLIER_MS / FRAME_MS);
  const hi = d0 + Math.round(MAX_LATER_MS / FRAME_MS);
  const width = hi - lo + 1;
  // cell (i, k): heard frame i matched with sent frame j = i − (lo + k)
  const moves = new Uint8Array(n * width); // 0 match (i−1, j−1), 1 add (i−1, j), 2 skip (i, j−1), 3 start
  let prev = new Float64Array(width).fill(Infinity);
  let cur = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    const addCost = heard.frame[i]! > voicedLevel ? ADD_VOICED : ADD_SILENT;
    cur.fill(Infinity);
    // j rises as k falls: the skip from (i, j−1) is cell k+1 of this row, done first
    for (let k = width - 1; k >= 0; k--) {
      const j = i - (lo + k);
      if (j < 0 || j >= m) continue;
      const local = Math.abs(heard.shape[i]! - sent.shape[j]!);
      // a path may begin anywhere before either signal's first sound (open begin), nowhere later
      let best = i <= firstH && j <= firstS ? local : Infinity;
      let move = 3;
      if (i > 0 && prev[k]! + local < best) {
        best = prev[k]! + local;
        move = 0;
      }
      if (i > 0 && k > 0 && prev[k - 1]! + addCost < best) {
        best = prev[k - 1]! + addCost;
        move = 1;
      }
      const skip = k + 1 < width ? cur[k + 1]! + (sent.frame[j]! > voicedLevel ? SKIP_VOICED : SKIP_SILENT) : Infinity;
      if (skip < best) {
        best = skip;
        move = 2;
      }
      cur[k] = best;
      moves[i * width + k] = move;
    }
    [prev, cur] = [cur, prev];
  }
  // open end: the best cell of the last heard frame, wherever in the sent audio
  let k = 0;
  for (let q = 1; q < width; q++) if (prev[q]! < prev[k]!) k = q;
  if (!Number.isFinite(prev[k]!)) return null;
  const first = new Int32Array(n).fill(-1);
  const last = new Int32Array(n).fill(-1);
  let i = n - 1;
  for (;;) {
    const j = i - (lo + k);
    if (last[i] === -1) last[i] = j;
    first[i] = j;
    const move = moves[i * width + k]!;
    if (move === 3) break;
    if (move === 0) i--;
    else if (move === 1) {
      i--;
      k--;
    } else k++;
    if (i < 0) break;
  }
  // heard frames before the path began stand where its first frame does
  for (let q = 0; q < n && first[q] === -1; q++) first[q] = last[q] = Math.max(0, q - d0);
  return { first, last };
}
