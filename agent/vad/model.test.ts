import { describe, expect, it } from 'vitest';
import { CONTEXT_FRAMES, N_FEATURES, STATE_RESET_FRAMES } from './constants.js';
import { TenVadModel } from './model.js';
import { resolveModelPath } from './model-path.js';

function stackOf(seed: number): Float32Array {
  const s = new Float32Array(CONTEXT_FRAMES * N_FEATURES);
  for (let i = 0; i < s.length; i++) s[i] = Math.sin(seed * 12.9898 + i * 78.233) * 1.5;
  return s;
}

describe('TenVadModel', () => {
  it('carries recurrent state between runs and clears it on resetState()', async () => {
    const m = await TenVadModel.load(resolveModelPath());
    try {
      const x = stackOf(1);
      const fresh = await m.run(x);
      const again = await m.run(x); // same input, non-zero state
      expect(again).not.toBe(fresh);
      m.resetState();
      expect(await m.run(x)).toBe(fresh);
    } finally {
      await m.close();
    }
  });

  it(`clears the state by itself after ${STATE_RESET_FRAMES} frames, like the reference`, async () => {
    const m = await TenVadModel.load(resolveModelPath());
    try {
      const probe = stackOf(7);
      const fresh = await m.run(probe);
      m.resetState();
      for (let i = 0; i < STATE_RESET_FRAMES - 1; i++) await m.run(stackOf(100 + (i % 50)));
      // Frame 1875 still runs on carried state…
      expect(await m.run(probe)).not.toBe(fresh);
      // …and frame 1876 starts from zero state again.
      expect(await m.run(probe)).toBe(fresh);
    } finally {
      await m.close();
    }
  });

  it('refuses a file that is not the TEN VAD model', async () => {
    await expect(TenVadModel.load('/nonexistent.onnx')).rejects.toThrow();
  });
});
