import { concatPcm } from '../agent/audio/pcm.js';
import { rng } from '../agent/util/rng.js';
import { describe, expect, it } from 'vitest';
import { PEER_SAMPLE_RATE, speakPcm } from '../speech/espeak.js';
import { audibleHoles, pausesOf, VOICED_RMS } from './audible-holes.js';

const RATE = PEER_SAMPLE_RATE;
const ANSWER = 'Sure. It will be mild and dry this afternoon, with a light breeze from the west, and a little sun later on.';

/** `pcm` with `ms` of silence inserted at each of `atSamples` (a sender running dry delays what follows). */
function withHoles(pcm: Int16Array, holes: { at: number; ms: number }[]): Int16Array {
  const parts: Int16Array[] = [];
  let from = 0;
  for (const h of [...holes].sort((a, b) => a.at - b.at)) {
    parts.push(pcm.subarray(from, h.at), new Int16Array(Math.round((h.ms / 1000) * RATE)));
    from = h.at;
  }
  parts.push(pcm.subarray(from));
  return concatPcm(parts);
}

/** Sample indices in the middle of loud stretches (not in a pause), spread over the answer. */
function insideSpeech(pcm: Int16Array, count: number): number[] {
  const win = RATE / 100;
  const loud: number[] = [];
  for (let o = win; o + 2 * win < pcm.length; o += win) {
    let acc = 0;
    for (let i = o - win; i < o + win; i++) acc += pcm[i]! * pcm[i]!;
    if (Math.sqrt(acc / (2 * win)) > VOICED_RMS * 8) loud.push(o);
  }
  return Array.from({ length: count }, (_, k) => loud[Math.floor(((k + 0.5) / count) * loud.length)]!);
}

describe('audible holes against the PCM the stand-in sent', () => {
  it('finds exactly the injected holes: 3 × 20 ms and 1 × 60 ms inside speech', async () => {
    const sent = await speakPcm(ANSWER, RATE, { wordsPerMinute: 175 });
    const at = insideSpeech(sent, 4);
    const heard = withHoles(sent, [
      { at: at[0]!, ms: 20 },
      { at: at[1]!, ms: 60 },
      { at: at[2]!, ms: 20 },
      { at: at[3]!, ms: 20 },
    ]);
    const holes = audibleHoles(heard, sent, RATE);
    expect(holes).toHaveLength(4);
    for (const [i, want] of [20, 60, 20, 20].entries()) {
      expect(Math.abs(holes[i]!.ms - want), `hole ${i}`).toBeLessThanOrEqual(3);
      // found where it was made in the sent audio: in the silence holding it (quiet speech before it joins in)
      const madeAt = at[i]! / (RATE / 1000);
      expect(madeAt, `hole ${i} placed`).toBeGreaterThanOrEqual(holes[i]!.atSentMs - 3);
      expect(madeAt, `hole ${i} placed`).toBeLessThanOrEqual(holes[i]!.atSentMs + holes[i]!.quietMs + 3);
    }
    expect(Math.abs(holes.reduce((n, h) => n + h.ms, 0) - 120)).toBeLessThanOrEqual(6);
  });

  it('finds the same through noise at the voicing level, which moves quiet windows across it at random', async () => {
    const sent = await speakPcm(ANSWER, RATE, { wordsPerMinute: 175 });
    const random = rng(5);
    // ~σ 110: many of speech's quiet windows flip between voiced and not, and pauses split or merge
    const noisy = (pcm: Int16Array) => Int16Array.from(pcm, (x) => Math.round(x * 0.8 + (random() + random() + random() - 1.5) * 220));
    const at = insideSpeech(sent, 4);
    expect(audibleHoles(noisy(sent), sent, RATE)).toEqual([]);
    const holes = audibleHoles(
      noisy(
        withHoles(sent, [
          { at: at[0]!, ms: 20 },
          { at: at[1]!, ms: 60 },
          { at: at[2]!, ms: 20 },
          { at: at[3]!, ms: 20 },
        ]),
      ),
      sent,
      RATE,
    );
    expect(holes.map((h) => h.ms)).toHaveLength(4);
    for (const [i, want] of [20, 60, 20, 20].entries()) expect(Math.abs(holes[i]!.ms - want), `hole ${i}`).toBeLessThanOrEqual(3);
  });

  it('finds a hole that lengthens one of speech’s own pauses by what it added', async () => {
    const sent = await speakPcm(ANSWER, RATE, { wordsPerMinute: 175 });
    const pause = pausesOf(sent, RATE).find((p) => p.ms > 40)!;
    const heard = withHoles(sent, [{ at: pause.startSample + Math.round(0.01 * RATE), ms: 40 }]);
    const holes = audibleHoles(heard, sent, RATE);
    expect(holes.length).toBe(1);
    expect(Math.abs(holes[0]!.ms - 40)).toBeLessThanOrEqual(3);
  });

  it('finds none in clean audio, at another gain, with a delay before it, or cut off early', async () => {
    const sent = await speakPcm(ANSWER, RATE, { wordsPerMinute: 175 });
    expect(pausesOf(sent, RATE).length).toBeGreaterThan(3); // speech has pauses of its own
    expect(audibleHoles(sent, sent, RATE)).toEqual([]);
    const quieter = Int16Array.from(sent, (x) => Math.round(x * 0.7));
    const delayed = withHoles(quieter, [{ at: 0, ms: 500 }]);
    expect(audibleHoles(delayed, sent, RATE)).toEqual([]);
    expect(audibleHoles(sent.subarray(0, Math.floor(sent.length / 2)), sent, RATE)).toEqual([]);
    // cut off in a silence, a click after it (12 ms): nothing follows to say the silence held a hole
    const random = rng(3);
    const click = Int16Array.from({ length: Math.round(0.012 * RATE) }, () => Math.round((random() - 0.5) * 8000));
    const at = insideSpeech(sent, 3)[1]!;
    expect(audibleHoles(concatPcm([sent.subarray(0, at), new Int16Array(Math.round(0.08 * RATE)), click]), sent, RATE)).toEqual([]);
  });

  it('finds none where the receiver dropped audio to catch up (40 ms out of a word, 60 ms out of a pause)', async () => {
    const sent = await speakPcm(ANSWER, RATE, { wordsPerMinute: 175 });
    const [at] = insideSpeech(sent, 1);
    const pause = pausesOf(sent, RATE).find((p) => p.ms > 100 && p.startSample > at! + RATE)!;
    const cut = (from: number, ms: number) => [from, from + Math.round((ms / 1000) * RATE)] as const;
    const [a0, a1] = cut(at!, 40);
    const [b0, b1] = cut(pause.startSample + Math.round(0.01 * RATE), 60);
    const heard = concatPcm([sent.subarray(0, a0), sent.subarray(a1, b0), sent.subarray(b1)]);
    expect(audibleHoles(heard, sent, RATE)).toEqual([]);
  });
});
