import { describe, expect, it } from 'vitest';
import { LoopDelayMonitor } from './loop-delay.js';

describe('LoopDelayMonitor', () => {
  it('sees a deliberate 60 ms block of the event loop, and starts a new window after take()', async () => {
    const m = new LoopDelayMonitor(5);
    await new Promise((r) => setTimeout(r, 30));
    const end = Date.now() + 60;
    while (Date.now() < end) {
      /* block the loop */
    }
    await new Promise((r) => setTimeout(r, 30));
    const first = m.take();
    expect(first.maxMs).toBeGreaterThanOrEqual(40);
    await new Promise((r) => setTimeout(r, 60));
    // the block belongs to the previous window
    expect(m.take().maxMs).toBeLessThan(first.maxMs);
    // …but the whole-call figure keeps it
    expect(m.whole().maxMs).toBeGreaterThanOrEqual(40);
    m.close();
  });
});
