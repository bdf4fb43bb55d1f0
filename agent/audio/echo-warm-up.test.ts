import { describe, expect, it } from 'vitest';
import { warmUpEchoDetector } from './echo-warm-up.js';

describe('warmUpEchoDetector', () => {
  it('runs every turn through a whole comparison (a turn judged without one would warm nothing)', () => {
    const verdicts = warmUpEchoDetector(5);
    expect(verdicts).toHaveLength(5);
    for (const v of verdicts) {
      expect(v.score).not.toBeNull();
      expect(v.lagMs).not.toBeNull();
    }
  });
});
