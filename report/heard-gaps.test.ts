import { describe, expect, it } from 'vitest';
import { countGaps, gapsPerMinute, loudWindows } from './heard-gaps.js';

const flags = (pattern: string) => [...pattern].map((c) => c === '#');

describe('countGaps', () => {
  it('counts silence inside sound as a gap, and a long silence as a pause', () => {
    // 30 ms sound, 20 ms hole, 20 ms sound, 200 ms pause, 10 ms sound
    const g = countGaps(flags(`###..##${'.'.repeat(20)}#`));
    expect(g).toEqual({ gap_ms: 20, gaps: 1, received_ms: 60 });
  });

  it('does not count leading or trailing silence', () => {
    expect(countGaps(flags('....##..'))).toEqual({ gap_ms: 0, gaps: 0, received_ms: 20 });
    expect(countGaps([])).toEqual({ gap_ms: 0, gaps: 0, received_ms: 0 });
  });
});

describe('loudWindows', () => {
  it('flags 10 ms windows by RMS at any sample rate', () => {
    const rate = 24_000;
    const pcm = new Int16Array(rate / 10); // 100 ms
    for (let i = 0; i < 240 * 4; i++) pcm[i] = i % 2 ? 2000 : -2000; // 40 ms of sound
    for (let i = 240 * 6; i < 240 * 7; i++) pcm[i] = i % 2 ? 2000 : -2000; // 10 ms more after 20 ms of silence
    const w = loudWindows(pcm, rate);
    expect(w).toEqual(flags('####..#...'));
    expect(countGaps(w).gaps).toBe(1);
  });
});

describe('gapsPerMinute', () => {
  it('normalises by the sound received', () => {
    expect(gapsPerMinute({ gaps: 3, gap_ms: 60, received_ms: 30_000 })).toBe(6);
    expect(gapsPerMinute({ gaps: 0, gap_ms: 0, received_ms: 0 })).toBeNull();
  });
});
