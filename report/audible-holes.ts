import { windowRms } from '../agent/audio/pcm.js';
import { FRAME_MS, levelOf, loudness, warp } from './heard-alignment.js';

/**
 * Audible holes in an answer as the caller heard it, measured on the receiver side against the
 * exact PCM the Realtime stand-in sent for that answer (its espeak-ng speech is deterministic, so
 * the reference is the same text spoken again). The same measure for any agent, whatever its
 * sender does: Parley's pacer counts its own dry spells, stock agents-js counts none.
 *
 * What a hole is: a sender that runs dry, or a jitter buffer that waits, holds back everything
 * after that moment. So across a silence of the heard audio, less of the sent audio went by than
 * the silence lasted; across speech's own pauses, just as much, however long they are.
 *
 * How: report/heard-alignment.ts warps the heard audio onto the sent (loudness envelopes, every
 * 2 ms), so each heard frame is known to stand for a sent frame or for nothing. For every silence
 * of the heard audio between voiced stretches (voiced blips shorter than MIN_STRETCH_MS belong to
 * the silence), the hole is its length less the sent audio it stood for, counted when at least
 * MIN_HOLE_MS. Alignment is on the loudness's shape, not on a count of voiced windows, so a codec
 * that moves quiet windows across the voiced level, or a jitter buffer that drops or stretches a
 * little audio, changes nothing.
 *
 * What it cannot see: a hole a receiver's jitter buffer conceals well enough to stay above the
 * voiced level (WebRTC's packet-loss concealment stretches the audio it has for the first tens of
 * ms of a gap), and a hole at the very end of a cut-off answer (nothing voiced follows it).
 */

const WIN_MS = 2.5;
/** int16 RMS above which a 2.5 ms window is voiced (≈ −45 dBFS). */
export const VOICED_RMS = 180;
/** Sample magnitude below which a pause's edge extends (≈ −50 dBFS). */
const EDGE_ABS = 100;
/** The shortest hole counted: a 20 ms hole less a few ms of codec smear at its edges. */
export const MIN_HOLE_MS = 15;
/** How far into the voiced audio on each side of a silence the delay across it is read. */
const MARGIN_MS = 20;
/** Voiced blips shorter than this inside a silence are part of it (a codec's click, a breath). */
const MIN_STRETCH_MS = 30;

export interface Pause {
  /** Ms of voiced audio before the pause (its place in the speech, whatever the delays). */
  voicedBeforeMs: number;
  /** Sample index where the pause starts, and its length in ms (sample-exact edges). */
  startSample: number;
  ms: number;
}

export interface Hole {
  /** Where in the sent audio the heard silence holding it began (ms from its start). */
  atSentMs: number;
  /** How much later the audio after the silence came than the audio before it. */
  ms: number;
  /** Ms of the sent audio's own quiet the silence also held (0: the hole is inside speech). */
  quietMs: number;
}

/** The RMS of each whole window of `pcm` (2.5 ms unless asked), and the window's length in samples. */
function rmsPerWindow(pcm: Int16Array, rate: number, winMs = WIN_MS): { win: number; rms: number[] } {
  const win = Math.round((rate * winMs) / 1000);
  return { win, rms: Array.from(windowRms(pcm, win)) };
}

/** The pauses strictly inside the voiced span of `pcm` (mono int16 at `rate`). */
export function pausesOf(pcm: Int16Array, rate: number): Pause[] {
  const { win, rms } = rmsPerWindow(pcm, rate);
  const voiced = rms.map((r) => r > VOICED_RMS);
  const first = voiced.indexOf(true);
  const last = voiced.lastIndexOf(true);
  const out: Pause[] = [];
  if (first < 0) return out;
  let voicedWins = 0;
  for (let w = first; w <= last; w++) {
    if (voiced[w]) {
      voicedWins++;
      continue;
    }
    let end = w;
    while (end <= last && !voiced[end]) end++;
    // refine to the sample: out from the silent windows while the samples stay quiet
    let s = w * win;
    while (s > 0 && Math.abs(pcm[s - 1]!) < EDGE_ABS) s--;
    let e = end * win;
    while (e < pcm.length && Math.abs(pcm[e]!) < EDGE_ABS) e++;
    out.push({ voicedBeforeMs: voicedWins * WIN_MS, startSample: s, ms: ((e - s) / rate) * 1000 });
    w = end - 1;
  }
  return out;
}

/**
 * The holes of one heard answer (`heard`, from its first sound, possibly cut off) against the PCM
 * sent for it (`sent`), both mono int16 at `rate`.
 */
export function audibleHoles(heard: Int16Array, sent: Int16Array, rate: number): Hole[] {
  // the line may change the level (codec, mixing): bring the heard audio to the reference's, so
  // voicing is judged alike in both
  const h = loudness(atLevelOf(heard, sent, rate), rate);
  const voiced = levelOf(VOICED_RMS);
  const w = warp(h, loudness(sent, rate), voiced);
  if (!w) return [];
  const holes: Hole[] = [];
  const quiet = silences(h.frame, voiced);
  const margin = Math.round(MARGIN_MS / FRAME_MS);
  quiet.forEach(([from, to], k) => {
    // heard frames from..to−1 are the silence. The delay is read a margin into the voiced audio on
    // either side (no further than the silences beyond), where the warping is sure again: at a
    // silence's very edge it may trade a few frames for others nearby
    const before = Math.max(from - margin, (quiet[k - 1]?.[1] ?? 0) + 1, 1) - 1;
    const after = Math.min(to + margin, (quiet[k + 1]?.[0] ?? h.frame.length) - 1);
    const ms = (after - before - (w.first[after]! - w.last[before]!)) * FRAME_MS;
    if (ms >= MIN_HOLE_MS) {
      const quietFrames = w.first[to]! - w.last[from - 1]! - 1;
      holes.push({ atSentMs: (w.last[from - 1]! + 1) * FRAME_MS, ms, quietMs: Math.max(0, quietFrames) * FRAME_MS });
    }
  });
  return holes;
}

/** The silences [from, to) of a loudness envelope strictly inside its voiced span, short voiced blips included in them. */
function silences(level: Float64Array, voiced: number): [number, number][] {
  const minRun = Math.ceil(MIN_STRETCH_MS / FRAME_MS);
  const out: [number, number][] = [];
  let i = level.findIndex((x) => x > voiced);
  if (i < 0) return out;
  const end = level.length;
  while (i < end) {
    while (i < end && level[i]! > voiced) i++; // through a voiced stretch
    const from = i;
    // to the next voiced stretch at least minRun long; none (the audio ends first, or a blip
    // ends it): the silence is the answer's end, where nothing tells a hole from the answer stopping
    let run = i;
    for (;;) {
      while (i < end && !(level[i]! > voiced)) i++;
      run = i;
      while (run < end && level[run]! > voiced) run++;
      if (i >= end || run - i >= minRun) break;
      i = run;
    }
    if (run - i < minRun) break;
    out.push([from, i]);
  }
  return out;
}

/** The 90th percentile of 2.5 ms window RMS over the windows above the voiced level. */
function loudLevel(pcm: Int16Array, rate: number): number {
  const rms = rmsPerWindow(pcm, rate).rms.filter((r) => r > VOICED_RMS);
  rms.sort((a, b) => a - b);
  return rms[Math.floor(rms.length * 0.9)] ?? 0;
}

/** `pcm` scaled so its loud level is that of `like` (unchanged when either has no voiced audio). */
function atLevelOf(pcm: Int16Array, like: Int16Array, rate: number): Int16Array {
  const a = loudLevel(pcm, rate);
  const b = loudLevel(like, rate);
  if (a === 0 || b === 0 || Math.abs(a / b - 1) < 0.02) return pcm;
  const g = b / a;
  return Int16Array.from(pcm, (x) => Math.max(-32768, Math.min(32767, Math.round(x * g))));
}

/** The voiced span of `pcm` in ms (first to last voiced window): the answer audio a minute counts. */
export function voicedSpanMs(pcm: Int16Array, rate: number): number {
  const voiced = rmsPerWindow(pcm, rate).rms.map((r) => r > VOICED_RMS);
  const first = voiced.indexOf(true);
  return first < 0 ? 0 : (voiced.lastIndexOf(true) - first + 1) * WIN_MS;
}
