import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenVadDetector } from './detector.js';
import { resolveModelPath } from './model-path.js';
import { syntheticSpeechLike } from './test-signal.js';
import type { FrameResult, HopSize } from './types.js';

// Needs models/ten-vad.onnx (scripts/fetch-model.sh) or TEN_VAD_MODEL; resolveModelPath() throws
// a message saying so when it is missing.
const modelPath = resolveModelPath();
const audio = syntheticSpeechLike(4);

async function runAll(det: TenVadDetector, samples: Int16Array): Promise<FrameResult[]> {
  const out: FrameResult[] = [];
  for (let i = 0; i + det.hopSize <= samples.length; i += det.hopSize) {
    out.push(await det.process(samples.subarray(i, i + det.hopSize)));
  }
  return out;
}

/** Hop i completes a 256-sample model frame iff a multiple of 256 falls in (i·hop, (i+1)·hop]. */
const completesFrame = (i: number, hop: number): boolean => Math.floor(((i + 1) * hop) / 256) > Math.floor((i * hop) / 256);

describe.each([160, 256] as HopSize[])('TenVadDetector hop %i', (hopSize) => {
  let det: TenVadDetector;
  beforeAll(async () => {
    det = await TenVadDetector.create({ modelPath, hopSize });
  });
  afterAll(async () => {
    await det.close();
  });

  it('gives identical output for the same audio after reset(), and as a fresh detector', async () => {
    det.reset();
    const a = await runAll(det, audio);
    det.reset();
    const b = await runAll(det, audio);
    expect(b).toEqual(a);
    const fresh = await TenVadDetector.create({ modelPath, hopSize });
    try {
      expect(await runAll(fresh, audio)).toEqual(a);
    } finally {
      await fresh.close();
    }
    // The signal alternates voiced tone / noise / silence: both decisions must occur.
    expect(a.some((r) => r.flag)).toBe(true);
    expect(a.some((r) => !r.flag && !r.warmup)).toBe(true);
  });

  it('reset() in the middle of a stream starts over (indices, warm-up, state)', async () => {
    det.reset();
    const first = await runAll(det, audio);
    det.reset();
    await runAll(det, audio.subarray(0, 16_000)); // part of a stream
    det.reset();
    expect(await runAll(det, audio)).toEqual(first);
    expect(first.map((r) => r.index)).toEqual(first.map((_, i) => i));
  });

  it('follows the reference hop convention (warm-up, repeats, flag = p > threshold)', async () => {
    det.reset();
    const r = await runAll(det, audio);
    for (let i = 0; i < r.length; i++) {
      const x = r[i]!;
      if (i === 0 && hopSize === 160) {
        expect(x).toMatchObject({ probability: 0, flag: false, warmup: true });
        continue;
      }
      expect(x.warmup).toBeUndefined();
      expect(x.probability).toBeGreaterThanOrEqual(0);
      expect(x.probability).toBeLessThanOrEqual(1);
      expect(x.flag).toBe(x.probability > det.threshold);
      // A hop that completes no model frame repeats the previous hop's result.
      if (!completesFrame(i, hopSize)) expect(x.probability).toBe(r[i - 1]!.probability);
    }
  });

  it('handles hops submitted without awaiting (queued, same results)', async () => {
    det.reset();
    const sequential = await runAll(det, audio);
    det.reset();
    const buf = new Int16Array(hopSize); // reused by the caller on purpose
    const pending: Promise<FrameResult>[] = [];
    for (let i = 0; i + hopSize <= audio.length; i += hopSize) {
      buf.set(audio.subarray(i, i + hopSize));
      pending.push(det.process(buf));
    }
    expect(await Promise.all(pending)).toEqual(sequential);
  });

  it('rejects hops of the wrong length or type with a clear error', async () => {
    await expect(det.process(new Int16Array(hopSize + 1))).rejects.toThrow(
      new RangeError(`TenVadDetector.process expects exactly ${hopSize} samples, got ${hopSize + 1}`),
    );
    await expect(det.process(new Int16Array(0))).rejects.toThrow(RangeError);
    await expect(det.process(new Float32Array(hopSize) as unknown as Int16Array)).rejects.toThrow(TypeError);
  });
});

describe('TenVadDetector construction and lifecycle', () => {
  it('model frames are the same at hop 160 and hop 256', async () => {
    const d160 = await TenVadDetector.create({ modelPath, hopSize: 160 });
    const d256 = await TenVadDetector.create({ modelPath, hopSize: 256 });
    try {
      const r160 = await runAll(d160, audio);
      const r256 = await runAll(d256, audio);
      const frames160 = r160.filter((_, i) => completesFrame(i, 160)).map((r) => r.probability);
      const frames256 = r256.map((r) => r.probability);
      const n = Math.min(frames160.length, frames256.length);
      expect(n).toBeGreaterThan(200);
      expect(frames160.slice(0, n)).toEqual(frames256.slice(0, n));
    } finally {
      await d160.close();
      await d256.close();
    }
  });

  it('rejects unsupported hop sizes and thresholds', async () => {
    await expect(TenVadDetector.create({ modelPath, hopSize: 200 as HopSize })).rejects.toThrow(/hop size must be 160 or 256/);
    await expect(TenVadDetector.create({ modelPath, hopSize: 160, threshold: 1.5 })).rejects.toThrow(RangeError);
    await expect(TenVadDetector.create({ modelPath: '/nonexistent/ten-vad.onnx', hopSize: 160 })).rejects.toThrow();
  });

  it('honours a custom threshold and refuses use after close()', async () => {
    const det = await TenVadDetector.create({ modelPath, hopSize: 256, threshold: 0.9 });
    expect(det.threshold).toBe(0.9);
    const r = await runAll(det, audio.subarray(0, 8_000));
    for (const x of r) expect(x.flag).toBe(x.probability > 0.9);
    await det.close();
    await det.close(); // idempotent
    await expect(det.process(new Int16Array(256))).rejects.toThrow(/after close/);
  });
});
