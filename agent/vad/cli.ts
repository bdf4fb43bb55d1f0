/**
 * Runs TEN VAD over a 16 kHz mono WAV file and prints one probability and flag per hop, in the
 * format of the reference golden files: {"probability":[...],"flag":[...]}, with −1 for the
 * warm-up hop (as the C library reports it). Trailing samples that do not fill a hop are ignored.
 *
 *   npx tsx agent/vad/cli.ts <file.wav> [--hop 160|256] [--threshold 0.5] [--json]
 *
 * Without --json, prints a human-readable table (hop, time, probability, flag).
 */
import { firstChannel, readWav } from '../audio/wav.js';
import { TenVadDetector } from './detector.js';
import { VAD_SAMPLE_RATE, type HopSize } from './types.js';

export interface VadTrace {
  probability: number[];
  flag: number[];
}

/** Runs a whole buffer through a detector, hop by hop, in the golden-file convention. */
export async function traceSamples(det: TenVadDetector, samples: Int16Array): Promise<VadTrace> {
  const hop = det.hopSize;
  const n = Math.floor(samples.length / hop);
  const probability = new Array<number>(n);
  const flag = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const r = await det.process(samples.subarray(i * hop, (i + 1) * hop));
    probability[i] = r.warmup ? -1 : r.probability;
    flag[i] = r.warmup ? -1 : r.flag ? 1 : 0;
  }
  return { probability, flag };
}

function usage(msg?: string): never {
  if (msg) process.stderr.write(`${msg}\n`);
  process.stderr.write('usage: npx tsx agent/vad/cli.ts <file.wav> [--hop 160|256 (default 256)] [--threshold 0.5] [--json]\n');
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let file: string | undefined;
  let hop: HopSize = 256;
  let threshold = 0.5;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--hop') {
      const v = Number(argv[++i]);
      if (v !== 160 && v !== 256) usage('--hop must be 160 or 256');
      hop = v;
    } else if (a === '--threshold') {
      threshold = Number(argv[++i]);
      if (!(threshold >= 0 && threshold <= 1)) usage('--threshold must be in [0, 1]');
    } else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (file === undefined) file = a;
    else usage('only one input file');
  }
  if (file === undefined) usage();

  const wav = readWav(file);
  if (wav.sampleRate !== VAD_SAMPLE_RATE) {
    throw new Error(`${file}: sample rate ${wav.sampleRate} Hz, TEN VAD needs ${VAD_SAMPLE_RATE} Hz`);
  }
  if (wav.channels !== 1) process.stderr.write(`${file}: ${wav.channels} channels, using the first\n`);

  const det = await TenVadDetector.create({ hopSize: hop, threshold });
  try {
    const trace = await traceSamples(det, firstChannel(wav));
    if (json) {
      process.stdout.write(`${JSON.stringify(trace)}\n`);
    } else {
      const lines = trace.probability.map((p, i) => {
        const t = ((i * hop) / VAD_SAMPLE_RATE).toFixed(3);
        return `${String(i).padStart(6)} ${t.padStart(9)}s ${p.toFixed(6).padStart(10)} ${trace.flag[i]}`;
      });
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await det.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/agent/vad/cli.ts')) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
