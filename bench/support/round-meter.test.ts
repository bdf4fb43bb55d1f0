import { describe, expect, it } from 'vitest';
import { roundMeter } from './round-meter.js';

/** Short-lived garbage: `mb` megabytes in 64 KB arrays, each dropped at once (what scavenges collect). */
function garbage(mb: number): number {
  let kept = 0;
  for (let i = 0; i < mb * 16; i++) kept += new Float64Array(8192).length;
  return kept;
}

/** Work that allocates nothing on the heap. */
function arithmetic(): number {
  let x = 0;
  for (let i = 0; i < 2_000_000; i++) x = (x * 1.000001 + i) % 1e9;
  return x;
}

describe('the round meter of the benches (bench:input)', () => {
  it('finds the scavenges that injected garbage causes, and next to none in a run that allocates nothing', async () => {
    const meter = roundMeter();
    try {
      const clean = await meter.measure(arithmetic);
      const dirty = await meter.measure(() => garbage(256));
      // nothing allocated: at most a GC V8 had already begun (seen once in CI, with other test files running)
      expect(clean.gc).toBeLessThanOrEqual(1);
      // 256 MB through a young generation of at most 32 MB (Node 20's default): ~8 scavenges or more
      expect(dirty.gc).toBeGreaterThanOrEqual(clean.gc + 5);
      expect(dirty.gcMs).toBeGreaterThan(0);
      expect(dirty.cpuMs).toBeGreaterThan(0);
      expect(dirty.result).toBe(256 * 16 * 8192);
      // and the next clean round does not inherit them
      expect((await meter.measure(arithmetic)).gc).toBeLessThanOrEqual(1);
    } finally {
      meter.stop();
    }
  });

  it('counts more for more garbage, in proportion', async () => {
    const meter = roundMeter();
    try {
      const small = await meter.measure(() => garbage(64));
      const large = await meter.measure(() => garbage(512));
      expect(large.gc).toBeGreaterThan(small.gc * 3);
    } finally {
      meter.stop();
    }
  });
});
