import { describe, expect, it } from 'vitest';
import { callerTurns, splitWaits } from './caller-latency.js';

const chunk = (at: number, level: number) => ({ at, samples: new Int16Array(160).fill(level) });

describe('caller-side latency', () => {
  it('pairs each question with the first loud sound after it, and not with a later answer', () => {
    const heard = [chunk(900, 0), chunk(1000, 20), chunk(1100, 2000), chunk(5200, 2000)];
    // the second question's answer never came: the sound at 5200 comes after the third question ended
    const turns = callerTurns([0, 4000, 5000], heard);
    expect(turns).toEqual([
      { speechEndAt: 0, answerAt: 1100 },
      { speechEndAt: 4000, answerAt: null },
      { speechEndAt: 5000, answerAt: 5200 },
    ]);
  });

  it("splits a caller's wait at the agent's turn record nearest its speech end", () => {
    const turns = [
      { speechEndAt: 1000, answerAt: 2200 },
      { speechEndAt: 9000, answerAt: 10_500 },
      { speechEndAt: 20_000, answerAt: null },
    ];
    const records = [
      { speechEndAt: 1060, firstFrameAt: 2100 }, // first turn: 60 ms in, 100 ms out
      { speechEndAt: 5000, firstFrameAt: 6000 }, // belongs to no caller turn
      { speechEndAt: 8950, firstFrameAt: 10_400 }, // second: the VAD put the end 50 ms earlier
      { speechEndAt: 20_100, firstFrameAt: null }, // never answered
    ];
    expect(splitWaits(turns, records)).toEqual([
      { inbound: 60, outbound: 100 },
      { inbound: -50, outbound: 100 },
    ]);
  });
});
