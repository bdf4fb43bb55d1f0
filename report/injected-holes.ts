import { type Hole, MIN_HOLE_MS } from './audible-holes.js';
import type { HeardAnswer } from './heard-answers.js';

/** A stall made on purpose in the audio sent for an answer (the stand-in's lateAudio has this shape). */
export interface InjectedStall {
  /** Where in the sent answer's audio the stream stalled, ms. */
  atAudioMs: number;
  /** How late the audio from there came, ms: the hole a caller should hear. */
  lateMs: number;
}

/** ± ms of placement: the codec's fade at a silence's edges, the 2 ms frames of the alignment. */
export const PLACE_TOLERANCE_MS = 15;
/**
 * ± ms of length: a caller's jitter buffer moves a few tens of ms from one silence to a later one
 * as it adapts (seen on a quiet machine: 181 + 239 ms heard for 160 + 260 sent).
 */
export const LENGTH_TOLERANCE_MS = 40;

/** The stall lies in the heard silence that holds `hole` (which begins earlier where the speech was quiet). */
export function holdsStall(hole: Hole, stall: InjectedStall): boolean {
  return stall.atAudioMs >= hole.atSentMs - PLACE_TOLERANCE_MS && stall.atAudioMs <= hole.atSentMs + hole.quietMs + PLACE_TOLERANCE_MS;
}

export interface InjectedHolesFound {
  /** Stalls the callers should have heard: those of every answer heard well past them. */
  expected: number;
  /** Of them, heard as a hole in their place and of their length. */
  found: number;
  /** Holes heard that no stall explains (the call's own, or a stall heard at the wrong length). */
  other: number;
}

/**
 * Holds each heard answer against the stalls made in every answer. An answer cut short (the
 * caller spoke again, the call ended) is expected to hold only the stalls it was heard past: a
 * stall is due once the answer's voiced span reaches its place plus the delays up to and
 * including it, plus 200 ms of speech after it.
 */
export function injectedHolesFound(answers: readonly HeardAnswer[], stalls: readonly InjectedStall[]): InjectedHolesFound {
  const ordered = [...stalls].sort((a, b) => a.atAudioMs - b.atAudioMs);
  let expected = 0;
  let found = 0;
  let other = 0;
  for (const a of answers) {
    const unexplained = new Set(a.holes);
    let delay = 0;
    for (const s of ordered) {
      delay += s.lateMs;
      if (a.answerMs < s.atAudioMs + delay + 200) break;
      expected++;
      const hole = a.holes.find((h) => unexplained.has(h) && holdsStall(h, s));
      if (hole && Math.abs(hole.ms - s.lateMs) <= LENGTH_TOLERANCE_MS) {
        found++;
        unexplained.delete(hole);
      }
    }
    other += unexplained.size;
  }
  return { expected, found, other };
}

/** `--inject-holes 900:80,2100:120` → stalls at 900 and 2100 ms of each answer, 80 and 120 ms late. */
export function parseInjectedStalls(spec: string): InjectedStall[] {
  return spec.split(',').map((part) => {
    const m = /^\s*(\d+):(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`--inject-holes: "${part}" is not atAudioMs:lateMs (e.g. 900:80,2100:120)`);
    const stall = { atAudioMs: Number(m[1]), lateMs: Number(m[2]) };
    if (stall.lateMs <= MIN_HOLE_MS)
      throw new Error(`--inject-holes: ${stall.lateMs} ms late is not a hole (they count from ${MIN_HOLE_MS} ms)`);
    return stall;
  });
}
