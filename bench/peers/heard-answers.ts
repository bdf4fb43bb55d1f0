import { concatPcm } from '../../agent/audio/pcm.js';
import type { CallerTurn } from '../../callers/caller-latency.js';
import type { HeardChunk } from '../../callers/webrtc.js';
import { audibleHoles, pausesOf, VOICED_RMS, voicedSpanMs } from '../../report/audible-holes.js';

/** Holes the caller heard in the answers of one call, and how much answer audio they were in. */
export interface HeardHoles {
  holes: number;
  holeMs: number;
  answerMs: number;
}

/**
 * Each answered turn's answer as heard (from its first sound to the caller's next speech end, and
 * no further than the first silence longer than any pause of the sent PCM plus 200 ms: the answer
 * is over), compared with `sent` (the PCM the stand-in sends for every answer: bench:peers scripts
 * one reply) by report/audible-holes.ts.
 */
export function heardHoles(heard: readonly HeardChunk[], rate: number, turns: readonly CallerTurn[], sent: Int16Array): HeardHoles {
  const longestPauseMs = Math.max(0, ...pausesOf(sent, rate).map((p) => p.ms));
  const out: HeardHoles = { holes: 0, holeMs: 0, answerMs: 0 };
  turns.forEach((t, i) => {
    if (t.answerAt === null) return;
    const to = turns[i + 1]?.speechEndAt ?? Infinity;
    const answer = endAtLongSilence(
      concatPcm(heard.filter((c) => c.at >= t.answerAt! - 20 && c.at < to).map((c) => c.samples)),
      rate,
      longestPauseMs + 200,
    );
    const holes = audibleHoles(answer, sent, rate);
    out.holes += holes.length;
    out.holeMs += holes.reduce((n, h) => n + h.ms, 0);
    out.answerMs += voicedSpanMs(answer, rate);
  });
  out.holeMs = Math.round(out.holeMs * 10) / 10;
  return out;
}

/** `pcm` up to its first silence (10 ms windows under the voiced level) of `ms` after voiced audio. */
function endAtLongSilence(pcm: Int16Array, rate: number, ms: number): Int16Array {
  const win = rate / 100;
  const need = Math.ceil(ms / 10);
  let seenVoice = false;
  let quiet = 0;
  for (let o = 0; o + win <= pcm.length; o += win) {
    let acc = 0;
    for (let i = o; i < o + win; i++) acc += pcm[i]! * pcm[i]!;
    if (Math.sqrt(acc / win) > VOICED_RMS) {
      seenVoice = true;
      quiet = 0;
    } else if (seenVoice && ++quiet >= need) return pcm.subarray(0, o + win);
  }
  return pcm;
}
