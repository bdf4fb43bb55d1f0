import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstChannel, readWav } from '../../agent/audio/wav.js';
import { WINDOW_SIZE } from '../../agent/vad/constants.js';
import { PROJECT_ROOT } from '../../agent/vad/model-path.js';

/** The labelled TEN VAD test set, beside the project (never committed into it). */
export const TESTSET = join(PROJECT_ROOT, '..', 'shared', 'ten-vad', 'testset');

export interface Segment {
  start: number;
  end: number;
}

/** Speech segments of a `.scv` file: `name,start,end,label,...` in seconds; label 1 = speech. Returns ms. */
export function speechSegments(scvPath: string): Segment[] {
  const parts = readFileSync(scvPath, 'utf8').trim().split(',').slice(1);
  const out: Segment[] = [];
  for (let i = 0; i + 2 < parts.length; i += 3) {
    if (Number(parts[i + 2]) === 1) out.push({ start: Number(parts[i]) * 1000, end: Number(parts[i + 1]) * 1000 });
  }
  return out;
}

export interface LabelledFile {
  name: string;
  samples: Int16Array;
  segments: Segment[];
}

/** Every test file that has labels, as 16 kHz mono, with `padMs` of silence appended. */
export function labelledFiles(padMs = 0): LabelledFile[] {
  if (!existsSync(TESTSET)) throw new Error(`${TESTSET} is missing: the shared TEN VAD test set is needed`);
  return readdirSync(TESTSET)
    .filter((f) => f.endsWith('.wav') && existsSync(join(TESTSET, f.replace(/\.wav$/, '.scv'))))
    .sort()
    .map((f) => {
      const wav = readWav(join(TESTSET, f));
      if (wav.sampleRate !== 16_000) throw new Error(`${f}: expected 16 kHz, got ${wav.sampleRate}`);
      const audio = firstChannel(wav);
      const samples = new Int16Array(audio.length + Math.round((padMs / 1000) * 16_000));
      samples.set(audio);
      return { name: f, samples, segments: speechSegments(join(TESTSET, f.replace(/\.wav$/, '.scv'))) };
    })
    .filter((f) => f.segments.length > 0);
}

/** Frames of the labels: 10 ms, each judged at its centre. */
const FRAME_MS = 10;

/**
 * TEN VAD's decision at a hop comes from a WINDOW_SIZE-sample window ending with that hop: the
 * audio it analysed is centred this many hops earlier (2 at hop 160). Scoring a decision against
 * the label of its own hop would charge it for its window's delay.
 */
export const tenCentreHops = (hop: number) => Math.round((WINDOW_SIZE / 2 - hop / 2) / hop);

/** Whether the file's last labelled speech runs to the end of its audio, i.e. stops hard into the `padMs` appended. */
export const endsIntoPadding = (f: LabelledFile, padMs: number) => f.samples.length / 16 - padMs - f.segments.at(-1)!.end < FRAME_MS;

/** Speech ends (ms) that fell inside a labelled pause that more speech follows. */
export const prematureEnds = (segs: Segment[], ends: number[]) =>
  segs.slice(0, -1).reduce((n, s, i) => n + ends.filter((t) => t >= s.end && t < segs[i + 1]!.start).length, 0);

/** Whether ms falls inside a labelled speech segment. */
export const inSpeech = (segs: Segment[], ms: number) => segs.some((s) => ms >= s.start && ms < s.end);

/**
 * Frame-level precision/recall/F1 against the labels, over 10 ms frames of each file's audio
 * (the last `padMs`, silence appended to it, left out); `predict` says whether a run's detector
 * called frame f speech.
 */
export function frameScores<T extends { file: LabelledFile }>(runs: T[], padMs: number, predict: (run: T, frame: number) => boolean) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const r of runs) {
    const frames = Math.floor((r.file.samples.length / 16_000) * 1000 - padMs) / FRAME_MS;
    for (let f = 0; f < frames; f++) {
      const truth = inSpeech(r.file.segments, f * FRAME_MS + FRAME_MS / 2);
      const pred = predict(r, f);
      if (pred && truth) tp++;
      else if (pred) fp++;
      else if (truth) fn++;
    }
  }
  const precision = tp / (tp + fp || 1);
  const recall = tp / (tp + fn || 1);
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall || 1) };
}
