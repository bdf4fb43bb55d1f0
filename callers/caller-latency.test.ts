import { describe, expect, it } from 'vitest';
import { callerTurns, onsetInbound, splitWaits } from './caller-latency.js';

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

  it("pairs each caller onset with the agent's first VAD onset after it, before the caller's next", () => {
    const onsets = [1000, 9000, 12_000, 20_000];
    const records = [
      { speechStartAt: 500, onsetInputLateMs: 0 }, // before any onset: noise, paired with none
      { speechStartAt: 1080, onsetInputLateMs: 5 }, // first: 80 ms in
      { speechStartAt: 1900, onsetInputLateMs: 0 }, // the same utterance split by a pause: not a second pairing
      { speechStartAt: 10_700, onsetInputLateMs: 1600 }, // second: 1.7 s in, read 1.6 s late
      { speechStartAt: null }, // a turn with no onset of its own
      { speechStartAt: 19_900 }, // fourth: dated 100 ms early (a soft first sound), no lateness kept
    ];
    // the third onset has none: the record just before 20_000 is the fourth's
    expect(onsetInbound(onsets, records)).toEqual([
      { onset: 0, inboundMs: 80, readLateMs: 5 },
      { onset: 1, inboundMs: 1700, readLateMs: 1600 },
      { onset: 3, inboundMs: -100, readLateMs: null },
    ]);
  });
});
