/**
 * Speed of the whole TEN VAD detector (features + inference) on the shared test set, or on the
 * WAV files given as arguments:
 *
 *   npx tsx agent/vad/bench.ts [--hop 160|256] [file.wav ...]
 *
 * Reports the real-time factor (processing time / audio time) and the distribution of per-hop
 * wall time. Every hop's work runs in at most two synchronous slices (features, then the ONNX
 * run), so the per-hop wall time bounds how long a hop can block the event loop.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { firstChannel, readWav } from '../../agent/audio/wav.js';
import { TenVadDetector } from '../../agent/vad/detector.js';
import { PROJECT_ROOT } from '../../agent/vad/model-path.js';
import { VAD_SAMPLE_RATE, type HopSize } from '../../agent/vad/types.js';

async function main(argv: string[]): Promise<void> {
  let hop: HopSize = 160;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--hop') hop = Number(argv[++i]) === 256 ? 256 : 160;
    else files.push(argv[i]!);
  }
  if (files.length === 0) {
    const dir = resolve(PROJECT_ROOT, '..', 'shared', 'ten-vad', 'testset');
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.wav')) files.push(join(dir, f));
  }
  const audio = files.map((f) => firstChannel(readWav(f)));

  const det = await TenVadDetector.create({ hopSize: hop });
  const slices = instrumentOrtRun();
  // Warm-up pass: JIT and ONNX session first-run costs are not what a live stream pays per hop.
  for (let i = 0; i + hop <= audio[0]!.length; i += hop) await det.process(audio[0]!.subarray(i, i + hop));

  const perHop: number[] = [];
  const syncFeatures: number[] = [];
  slices.length = 0;
  let samples = 0;
  const t0 = process.hrtime.bigint();
  for (const a of audio) {
    det.reset();
    for (let i = 0; i + hop <= a.length; i += hop) {
      const s = process.hrtime.bigint();
      const pending = det.process(a.subarray(i, i + hop));
      syncFeatures.push(Number(process.hrtime.bigint() - s) / 1e3); // the synchronous part of process()
      await pending;
      perHop.push(Number(process.hrtime.bigint() - s) / 1e3);
      samples += hop;
    }
  }
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  await det.close();

  const stats = (xs: number[]): Record<string, number> => {
    const v = [...xs].sort((x, y) => x - y);
    const q = (p: number): number => +v[Math.min(v.length - 1, Math.floor(p * v.length))]!.toFixed(1);
    return { p50: q(0.5), p99: q(0.99), max: q(1), over1ms: v.filter((x) => x > 1000).length };
  };
  const audioSec = samples / VAD_SAMPLE_RATE;
  console.log(
    JSON.stringify({
      hop,
      files: files.length,
      hops: perHop.length,
      audioSec: +audioSec.toFixed(2),
      procSec: +total.toFixed(3),
      rtf: +(total / audioSec).toFixed(5),
      usPerHopMean: +((total * 1e6) / perHop.length).toFixed(1),
      usPerHopWall: stats(perHop),
      usSyncFeatures: stats(syncFeatures),
      usSyncOrtRun: stats(slices),
    }),
  );
}

/**
 * Times the synchronous ONNX Runtime call (what actually blocks the event loop during inference).
 * onnxruntime-node runs the session synchronously inside a setImmediate callback, so timing every
 * immediate callback times the inference slices (nothing else schedules immediates here).
 */
function instrumentOrtRun(): number[] {
  const out: number[] = [];
  const original = globalThis.setImmediate;
  const timed = ((cb: (...a: unknown[]) => void, ...args: unknown[]) =>
    original(() => {
      const s = process.hrtime.bigint();
      try {
        cb(...args);
      } finally {
        out.push(Number(process.hrtime.bigint() - s) / 1e3);
      }
    })) as unknown as typeof setImmediate;
  globalThis.setImmediate = Object.assign(timed, original);
  return out;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
