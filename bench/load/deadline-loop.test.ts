import { describe, expect, it } from 'vitest';
import { runDeadlineLoop } from './deadline-loop.js';
import { startControlLoop } from './control.js';

/** Blocks the event loop for `ms`, as a long task in a job would. */
const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('the control deadline loop', () => {
  it('sees each stall put on its event loop, as long as it was: one 60 ms and three 40 ms', async () => {
    const stop = new AbortController();
    const run = runDeadlineLoop({ signal: stop.signal });
    const blocks: { at: number; ms: number }[] = [];
    for (const ms of [60, 40, 40, 40]) {
      await new Promise((r) => setTimeout(r, 200));
      blocks.push({ at: performance.now(), ms });
      block(ms);
    }
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    const f = await run;
    expect(f.ticks).toBeGreaterThan(35);
    // each block leaves the tick due during it late by what was left of the block (block − up to
    // one period, less a little for where the block began in its timer phase), found right after it
    for (const b of blocks) {
      const tick = f.late.find((l) => l.at >= b.at + b.ms && l.at <= b.at + b.ms + 25);
      expect(tick, `the ${b.ms} ms block at ${b.at.toFixed(0)}`).toBeDefined();
      expect(tick!.ms).toBeGreaterThanOrEqual(b.ms - 25);
      expect(tick!.ms).toBeLessThanOrEqual(b.ms + 25);
    }
    // the machine's own stalls (other tests share the cores) are few next to the ~50 ticks
    expect(f.late.length - blocks.length).toBeLessThanOrEqual(5);
    expect(f.p50_ms).toBeLessThan(5);
  });

  it('a quiet loop has no stall', async () => {
    const stop = new AbortController();
    const run = runDeadlineLoop({ signal: stop.signal });
    await new Promise((r) => setTimeout(r, 500));
    stop.abort();
    const f = await run;
    expect(f.ticks).toBeGreaterThan(15);
    expect(f.p50_ms).toBeLessThan(5);
  });

  it('runs as a process of its own and reports when stopped', async () => {
    const control = startControlLoop();
    await control.started;
    await new Promise((r) => setTimeout(r, 1500));
    const f = await control.stop();
    expect(f.ticks).toBeGreaterThan(40); // 75 deadlines in 1.5 s
    expect(Number.isFinite(f.p999_ms)).toBe(true);
  });
});
