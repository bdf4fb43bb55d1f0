/**
 * Parity with the reference C library over the shared TEN VAD test set (../shared/ten-vad relative
 * to the repo root): for every file and both hop sizes, |p − p_ref| ≤ 0.02 on ≥ 99.9 % of hops and
 * the same flag on ≥ 99.5 % of hops, with the same number of hops and the same warm-up convention.
 * Fails (does not skip) when the data is missing, unless PARLEY_SKIP_SHARED=1.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstChannel, readWav } from '../audio/wav.js';
import { traceSamples } from './cli.js';
import { TenVadDetector } from './detector.js';
import { DEFAULT_MODEL_PATH, PROJECT_ROOT } from './model-path.js';
import type { HopSize } from './types.js';

const SHARED = resolve(PROJECT_ROOT, '..', 'shared', 'ten-vad');
const SKIP = process.env.PARLEY_SKIP_SHARED === '1';

const TOL = 0.02;
const MIN_WITHIN = 0.999;
const MIN_FLAG_AGREEMENT = 0.995;

interface FileFigures {
  file: string;
  hops: number;
  within: number;
  flagAgree: number;
  maxAbsDiff: number;
}

function wavFiles(): string[] {
  const dir = join(SHARED, 'testset');
  if (!existsSync(dir)) {
    throw new Error(`TEN VAD shared test data not found at ${SHARED} (set PARLEY_SKIP_SHARED=1 to skip this test)`);
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort();
  if (files.length === 0) throw new Error(`no .wav files in ${dir}`);
  return files;
}

describe.skipIf(SKIP)('TEN VAD parity with the reference C library', () => {
  const figures: Record<number, FileFigures[]> = {};

  afterAll(() => {
    const rows = Object.entries(figures).map(([hop, fs]) => {
      // Worst file: fewest hops within tolerance, then lowest flag agreement, then largest error.
      const worst = [...fs].sort((a, b) => a.within - b.within || a.flagAgree - b.flagAgree || b.maxAbsDiff - a.maxAbsDiff)[0]!;
      return {
        hop: Number(hop),
        files: fs.length,
        hops: fs.reduce((s, f) => s + f.hops, 0),
        worstFile: worst.file,
        [`within${TOL}`]: worst.within.toFixed(4),
        flagAgree: worst.flagAgree.toFixed(4),
        maxAbsDiff: worst.maxAbsDiff.toFixed(5),
        maxAbsDiffAllFiles: Math.max(...fs.map((f) => f.maxAbsDiff)).toFixed(5),
      };
    });
    if (rows.length > 0) {
      console.log('TEN VAD parity vs reference C library (worst file per hop):');
      console.table(rows);
    }
  });

  it.each([160, 256] as HopSize[])('hop %i: every shared test file matches the golden output', async (hopSize) => {
    const files = wavFiles();
    const modelPath = existsSync(DEFAULT_MODEL_PATH) || process.env.TEN_VAD_MODEL ? undefined : join(SHARED, 'ten-vad.onnx');
    const det = await TenVadDetector.create({ modelPath, hopSize });
    const out: FileFigures[] = [];
    figures[hopSize] = out;
    try {
      for (const file of files) {
        const goldenPath = join(SHARED, 'golden', `hop${hopSize}`, file.replace(/\.wav$/, '.json'));
        const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as { probability: number[]; flag: number[] };
        const wav = readWav(join(SHARED, 'testset', file));
        expect(wav.sampleRate, file).toBe(16_000);

        det.reset();
        const trace = await traceSamples(det, firstChannel(wav));
        expect(trace.probability.length, `${file}: number of hops`).toBe(golden.probability.length);

        let within = 0;
        let flagAgree = 0;
        let maxAbsDiff = 0;
        for (let i = 0; i < golden.probability.length; i++) {
          const d = Math.abs(trace.probability[i]! - golden.probability[i]!);
          if (d <= TOL) within++;
          maxAbsDiff = Math.max(maxAbsDiff, d);
          if (trace.flag[i] === golden.flag[i]) flagAgree++;
        }
        const n = golden.probability.length;
        out.push({ file, hops: n, within: within / n, flagAgree: flagAgree / n, maxAbsDiff });
      }
    } finally {
      await det.close();
    }
    for (const f of out) {
      expect(f.within, `${f.file}: share of hops within ${TOL}`).toBeGreaterThanOrEqual(MIN_WITHIN);
      expect(f.flagAgree, `${f.file}: flag agreement`).toBeGreaterThanOrEqual(MIN_FLAG_AGREEMENT);
    }
  });
});
