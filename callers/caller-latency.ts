import { firstSoundAfter, type HeardChunk } from './webrtc.js';

/** A caller's speech is loud; the agent's answer is found by this RMS (int16 units) at the caller's ear. */
export const ANSWER_RMS = 500;

/** One question as the caller lived it, on its own clock (epoch ms). */
export interface CallerTurn {
  /** Where the question's speech really ended (its last sample above −60 dBFS left the caller). */
  speechEndAt: number;
  /** First sound of the answer at the caller's ear; null if none came before the next question ended. */
  answerAt: number | null;
}

/**
 * Pairs each question's speech end with the first answer sound heard after it. An answer heard
 * only after the next question's speech ended belongs to no turn of its own.
 */
export function callerTurns(speechEnds: readonly number[], heard: readonly HeardChunk[], rms = ANSWER_RMS): CallerTurn[] {
  return speechEnds.map((speechEndAt, i) => {
    const answerAt = firstSoundAfter(heard, speechEndAt, rms);
    const next = speechEnds[i + 1] ?? Infinity;
    return { speechEndAt, answerAt: answerAt !== null && answerAt < next ? answerAt : null };
  });
}

/** Where a caller's wait goes: before the agent's VAD saw the speech end, and after its answer left. */
export interface WaitSplit {
  /** Caller's speech end → the speech end the agent's VAD reported (wall clock): transport in, plus VAD error. */
  inbound: number;
  /** Agent's first answer frame handed to the room → first answer sound at the caller's ear: transport out. */
  outbound: number;
}

/**
 * Splits each answered caller turn at the agent's turn record: the record whose VAD speech end
 * follows the caller's speech end soonest, within `windowMs` (all clocks are this machine's).
 * Turns with no such record, or none with an answer frame, are left out.
 */
export function splitWaits(
  turns: readonly CallerTurn[],
  records: readonly { speechEndAt: number | null; firstFrameAt: number | null }[],
  windowMs = 1500,
): WaitSplit[] {
  const out: WaitSplit[] = [];
  for (const t of turns) {
    if (t.answerAt === null) continue;
    let best: { speechEndAt: number; firstFrameAt: number } | null = null;
    for (const r of records) {
      if (r.speechEndAt === null || r.firstFrameAt === null) continue;
      const d = r.speechEndAt - t.speechEndAt;
      // the VAD may place the end a little before the caller's −60 dBFS mark (a soft last syllable)
      if (d < -200 || d > windowMs) continue;
      if (best === null || Math.abs(d) < Math.abs(best.speechEndAt - t.speechEndAt))
        best = { speechEndAt: r.speechEndAt, firstFrameAt: r.firstFrameAt };
    }
    if (best) out.push({ inbound: best.speechEndAt - t.speechEndAt, outbound: t.answerAt - best.firstFrameAt });
  }
  return out;
}
