import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstChannel, readWav } from '../../agent/audio/wav.js';
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
