/**
 * Audible holes in an answer as the caller heard it, measured on the receiver side against the
 * exact PCM the Realtime stand-in sent for that answer (its espeak-ng speech is deterministic, so
 * the reference is the same text spoken again). The same measure for any agent, whatever its
 * sender does: Parley's pacer counts its own dry spells, stock agents-js counts none.
 *
 * How: both signals are cut into 2.5 ms windows, voiced when their RMS is above VOICED_RMS. Every
 * run of silent windows inside the voiced span is a pause, its edges refined to the sample (out
 * to the last sample whose magnitude is below EDGE_ABS) and placed by how much voiced audio came
 * before it ("voiced time": independent of any delay a hole added). A heard pause is matched to
 * the reference's pause at the same voiced time (± MATCH_TOL_MS); what it lasts beyond that pause
 * (all of it where the reference has none) is a hole when it is at least MIN_HOLE_MS. Speech's own
 * pauses are in the reference and cancel; a 20 ms hole, in speech or lengthening a pause, does not.
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
const MATCH_TOL_MS = 25;
/** The shortest excess silence counted: a 20 ms hole less a few ms of codec smear at its edges. */
export const MIN_HOLE_MS = 15;

export interface Pause {
  /** Ms of voiced audio before the pause (its place in the speech, whatever the delays). */
  voicedBeforeMs: number;
  /** Sample index where the pause starts, and its length in ms (sample-exact edges). */
  startSample: number;
  ms: number;
}

export interface Hole {
  /** Where in the answer, as ms of voiced audio before it. */
  voicedBeforeMs: number;
  /** Silence beyond the reference's own pause here. */
  ms: number;
}

/** The pauses strictly inside the voiced span of `pcm` (mono int16 at `rate`). */
export function pausesOf(pcm: Int16Array, rate: number): Pause[] {
  const win = Math.round((rate * WIN_MS) / 1000);
  const n = Math.floor(pcm.length / win);
  const voiced: boolean[] = [];
  for (let w = 0; w < n; w++) {
    let acc = 0;
    for (let i = w * win; i < (w + 1) * win; i++) acc += pcm[i]! * pcm[i]!;
    voiced.push(Math.sqrt(acc / win) > VOICED_RMS);
  }
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
 * sent for it (`sent`), both mono int16 at `rate`. Only the part of the reference the heard audio
 * reached is compared.
 */
export function audibleHoles(heard: Int16Array, sent: Int16Array, rate: number): Hole[] {
  const ref = pausesOf(sent, rate);
  // the line may change the level (codec, mixing): bring the heard audio to the reference's, so
  // voicing is judged alike in both
  heard = atLevelOf(heard, sent, rate);
  const holes: Hole[] = [];
  // the codec moves a window's voicing here and there: voiced time drifts a little over an answer,
  // so each match is sought from where the previous one put the two signals
  let drift = 0;
  for (const p of pausesOf(heard, rate)) {
    const at = p.voicedBeforeMs - drift;
    let best: Pause | null = null;
    for (const r of ref) {
      const d = Math.abs(r.voicedBeforeMs - at);
      if (d <= MATCH_TOL_MS && (!best || d < Math.abs(best.voicedBeforeMs - at))) best = r;
    }
    if (best) drift = p.voicedBeforeMs - best.voicedBeforeMs;
    const excess = p.ms - (best?.ms ?? 0);
    if (excess >= MIN_HOLE_MS) holes.push({ voicedBeforeMs: p.voicedBeforeMs, ms: Math.round(excess * 10) / 10 });
  }
  return holes;
}

/** The 90th percentile of 2.5 ms window RMS over the windows above the voiced level. */
function loudLevel(pcm: Int16Array, rate: number): number {
  const win = Math.round((rate * WIN_MS) / 1000);
  const rms: number[] = [];
  for (let w = 0; (w + 1) * win <= pcm.length; w++) {
    let acc = 0;
    for (let i = w * win; i < (w + 1) * win; i++) acc += pcm[i]! * pcm[i]!;
    const r = Math.sqrt(acc / win);
    if (r > VOICED_RMS) rms.push(r);
  }
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
  const win = Math.round((rate * WIN_MS) / 1000);
  let first = -1;
  let last = -1;
  for (let w = 0; (w + 1) * win <= pcm.length; w++) {
    let acc = 0;
    for (let i = w * win; i < (w + 1) * win; i++) acc += pcm[i]! * pcm[i]!;
    if (Math.sqrt(acc / win) > VOICED_RMS) {
      if (first < 0) first = w;
      last = w;
    }
  }
  return first < 0 ? 0 : (last - first + 1) * WIN_MS;
}
