import { describe, expect, it } from 'vitest';
import { leakMs } from './barge-in-call.js';

/** 10 ms chunks at 48 kHz from wall time 0: loud where `loud(i)` says so, silent otherwise. */
function chunks(n: number, loud: (i: number) => boolean) {
  return Array.from({ length: n }, (_, i) => ({ at: (i + 1) * 10, samples: new Int16Array(480).fill(loud(i) ? 4000 : 0) }));
}

describe('leakMs (bench:peers barge-in leakage)', () => {
  it('counts exactly the old answer heard between the onset and the end of the interruption', () => {
    // answer loud until 1000 ms; the caller starts at 700 ms and stops at 2000 ms: 300 ms leaked
    expect(
      leakMs(
        chunks(300, (i) => i < 100),
        48_000,
        700,
        2000,
      ),
    ).toBe(300);
    // a 60 ms burst later in the interruption counts too; sound after its end does not
    expect(
      leakMs(
        chunks(300, (i) => i < 100 || (i >= 150 && i < 156) || i >= 250),
        48_000,
        700,
        2000,
      ),
    ).toBe(360);
  });

  it('finds nothing when the answer stopped at the onset, or when only quiet sound came', () => {
    expect(
      leakMs(
        chunks(300, (i) => i < 70),
        48_000,
        700,
        2000,
      ),
    ).toBe(0);
    const quiet = chunks(300, () => false).map((c) => ({ ...c, samples: new Int16Array(480).fill(100) }));
    expect(leakMs(quiet, 48_000, 700, 2000)).toBe(0);
  });
});
