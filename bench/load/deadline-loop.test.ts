import { describe, expect, it } from 'vitest';
import { runDeadlineLoop } from './deadline-loop.js';
import { startControlLoop } from './control.js';

/** Blocks the event loop for `ms`, as a long task in a job would. */
const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('the control deadline loop', () => {
  it('sees exactly the stalls put on its event loop: one 60 ms and three 30 ms (each leaves one tick 10–60 ms late)', async () => {
    const stop = new AbortController();
    const run = runDeadlineLoop({ signal: stop.signal });
    for (const ms of [60, 30, 30, 30]) {
      await new Promise((r) => setTimeout(r, 200));
      block(ms);
    }
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    const f = await run;
    // about 50 ticks in a second; the stalls are the only late ones
    expect(f.ticks).toBeGreaterThan(35);
    expect(f.max_ms).toBeGreaterThanOrEqual(40); // the 60 ms block, less the part of a period it fell in
    expect(f.max_ms).toBeLessThan(90);
    expect(f.over_5ms).toBeGreaterThanOrEqual(4);
    expect(f.over_5ms).toBeLessThanOrEqual(6); // a busy test machine may add one or two of its own
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
    await new Promise((r) => setTimeout(r, 1500));
    const f = await control.stop();
    expect(f.ticks).toBeGreaterThan(20); // tsx start-up eats part of the 1.5 s
    expect(Number.isFinite(f.p999_ms)).toBe(true);
  });
});
