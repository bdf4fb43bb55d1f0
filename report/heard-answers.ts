import { concatPcm, windowRms } from '../agent/audio/pcm.js';
import { audibleHoles, type Hole, pausesOf, VOICED_RMS, voicedSpanMs } from './audible-holes.js';

/** A piece of what a caller heard, as it arrived (the callers' HeardChunk has this shape). */
interface HeardPiece {
  /** Arrival, epoch ms. */
  at: number;
  samples: Int16Array;
}

/** A question's turn on the caller's clock (the callers' CallerTurn has this shape). */
interface TurnHeard {
  /** First sound of the answer at the caller's ear, epoch ms; null: none. */
  answerAt: number | null;
}

/** One answered turn's answer as heard, and the holes found in it. */
export interface HeardAnswer {
  /** Index of the turn in the caller's turns. */
  turn: number;
  holes: Hole[];
  /** Its voiced span (ms): the answer audio a minute of it counts. */
  answerMs: number;
}

/**
 * Each answered turn's answer as heard, compared with `sent` (the PCM the stand-in sends for
 * every answer: bench:peers scripts one reply) by report/audible-holes.ts. An answer runs from its
 * first sound to when the caller next began to speak (`onsets`, as `turns`): what plays after
 * that is the old answer going on over the caller (barge_in_leak measures it) or, from an agent
 * that answers before the caller has finished, a new answer. It ends sooner at the first silence
 * longer than any pause of the sent PCM plus 200 ms: the answer is over.
 */
export function heardAnswers(
  heard: readonly HeardPiece[],
  rate: number,
  turns: readonly TurnHeard[],
  onsets: readonly number[],
  sent: Int16Array,
): HeardAnswer[] {
  const longestPauseMs = Math.max(0, ...pausesOf(sent, rate).map((p) => p.ms));
  return turns.flatMap((t, i) => {
    if (t.answerAt === null) return [];
    const to = onsets[i + 1] ?? Infinity;
    const answer = endAtLongSilence(
      concatPcm(heard.filter((c) => c.at >= t.answerAt! - 20 && c.at < to).map((c) => c.samples)),
      rate,
      longestPauseMs + 200,
    );
    return [{ turn: i, holes: audibleHoles(answer, sent, rate), answerMs: voicedSpanMs(answer, rate) }];
  });
}

/** `pcm` up to its first silence (10 ms windows under the voiced level) of `ms` after voiced audio. */
function endAtLongSilence(pcm: Int16Array, rate: number, ms: number): Int16Array {
  const win = rate / 100;
  const need = Math.ceil(ms / 10);
  let seenVoice = false;
  let quiet = 0;
  const rms = windowRms(pcm, win);
  for (let w = 0; w < rms.length; w++) {
    if (rms[w]! > VOICED_RMS) {
      seenVoice = true;
      quiet = 0;
    } else if (seenVoice && ++quiet >= need) return pcm.subarray(0, (w + 1) * win);
  }
  return pcm;
}
