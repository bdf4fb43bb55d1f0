import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenVadDetector } from './detector.js';
import { resolveModelPath } from './model-path.js';
import { syntheticSpeechLike } from './test-signal.js';
import { ThreadedVadDetector } from './threaded-detector.js';
import type { FrameDetector, FrameResult } from './types.js';

const modelPath = resolveModelPath();
const audio = syntheticSpeechLike(3);
const HOP = 160;
const hops = (samples: Int16Array) =>
  Array.from({ length: Math.floor(samples.length / HOP) }, (_, i) => samples.subarray(i * HOP, (i + 1) * HOP));

async function runAll(det: FrameDetector, samples: Int16Array): Promise<FrameResult[]> {
  const out: FrameResult[] = [];
  for (const h of hops(samples)) out.push(await det.process(h));
  return out;
}

describe('ThreadedVadDetector', () => {
  let threaded: ThreadedVadDetector;
  let local: TenVadDetector;
  beforeAll(async () => {
    threaded = await ThreadedVadDetector.create({ modelPath, hopSize: HOP });
    local = await TenVadDetector.create({ modelPath, hopSize: HOP });
  });
  afterAll(async () => {
    await threaded.close();
    await local.close();
  });

  it('gives exactly what the in-process detector gives, hop for hop, and again after reset()', async () => {
    const expected = await runAll(local, audio);
    expect(expected.filter((r) => r.flag).length).toBeGreaterThan(10); // the signal has speech in it
    expect(await runAll(threaded, audio)).toEqual(expected);
    threaded.reset();
    expect(await runAll(threaded, audio)).toEqual(expected);
  });

  it('keeps order when hops are sent without waiting, and drops the results of hops sent before a reset', async () => {
    local.reset();
    const expected = await runAll(local, audio);
    threaded.reset();
    const all = hops(audio);
    const before = all.slice(0, 50).map((h) => threaded.process(h));
    threaded.reset();
    const after = all.map((h) => threaded.process(h));
    expect((await Promise.all(before)).every((r) => r.index === -1 && r.warmup)).toBe(true);
    expect(await Promise.all(after)).toEqual(expected);
  });

  it('refuses a hop of the wrong size, and a model that is not there, with a clear error', async () => {
    await expect(threaded.process(new Int16Array(100))).rejects.toThrow(/exactly 160 samples/);
    await expect(ThreadedVadDetector.create({ modelPath: '/nonexistent/ten-vad.onnx', hopSize: HOP })).rejects.toThrow(/VAD thread/);
  });
});

describe('ThreadedVadDetector whose thread dies', () => {
  it('goes on in-process: the hops before come from the thread, the ones after from a fresh in-process detector', async () => {
    const entry = new URL('../../test/support/dying-vad-thread.mjs', import.meta.url);
    const det = await ThreadedVadDetector.create({ modelPath, hopSize: HOP, entry });
    const all = hops(audio);
    const first = [];
    for (const h of all.slice(0, 3)) first.push(await det.process(h));
    expect(first.map((r) => r.probability)).toEqual([0.25, 0.25, 0.25]);
    // the fourth hop kills the thread: it resolves as warm-up, nothing is lost or thrown
    expect(await det.process(all[3]!)).toMatchObject({ index: -1, warmup: true });
    const fresh = await TenVadDetector.create({ modelPath, hopSize: HOP });
    const rest = audio.subarray(4 * HOP);
    expect(await runAll(det, rest)).toEqual(await runAll(fresh, rest));
    await fresh.close();
    await det.close();
  });
});
