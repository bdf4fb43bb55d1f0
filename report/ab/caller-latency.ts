import { firstSoundAfter, type HeardChunk } from '../../test/harness/caller.js';

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
