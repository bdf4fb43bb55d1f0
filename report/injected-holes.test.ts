import { describe, expect, it } from 'vitest';
import type { Hole } from './audible-holes.js';
import type { HeardAnswer } from './heard-answers.js';
import { injectedHolesFound, parseInjectedStalls } from './injected-holes.js';

const STALLS = [
  { atAudioMs: 900, lateMs: 80 },
  { atAudioMs: 2100, lateMs: 120 },
];
const hole = (atSentMs: number, ms: number, quietMs = 0): Hole => ({ atSentMs, ms, quietMs });
const answer = (holes: Hole[], answerMs = 4000): HeardAnswer => ({ turn: 0, holes, answerMs });

describe('holding heard answers against the stalls made in them', () => {
  it('finds each stall heard in its place and of its length, in every answer', () => {
    const heard = [answer([hole(895, 84), hole(2080, 110, 40)]), answer([hole(900, 70), hole(2100, 150)])];
    expect(injectedHolesFound(heard, STALLS)).toEqual({ expected: 4, found: 4, other: 0 });
  });

  it('misses a stall heard elsewhere or at another length, and counts that hole as unexplained', () => {
    // the first answer's second hole is 300 ms from its stall; the second's is 100 ms too long
    const heard = [answer([hole(895, 80), hole(2400, 120)]), answer([hole(900, 80), hole(2100, 220)])];
    expect(injectedHolesFound(heard, STALLS)).toEqual({ expected: 4, found: 2, other: 2 });
  });

  it('counts a hole of the call’s own beside the stalls, and finds none in an answer without holes', () => {
    expect(injectedHolesFound([answer([hole(400, 30), hole(900, 80), hole(2100, 120)])], STALLS)).toEqual({
      expected: 2,
      found: 2,
      other: 1,
    });
    expect(injectedHolesFound([answer([])], STALLS)).toEqual({ expected: 2, found: 0, other: 0 });
  });

  it('expects of an answer cut short only the stalls it was heard well past', () => {
    // 2100 + 80 + 120 + 200 = 2500 ms of voiced span before the second stall is due
    expect(injectedHolesFound([answer([hole(900, 80)], 2499)], STALLS)).toEqual({ expected: 1, found: 1, other: 0 });
    expect(injectedHolesFound([answer([], 1000)], STALLS)).toEqual({ expected: 0, found: 0, other: 0 });
  });

  it('matches one hole to one stall only', () => {
    const close = [
      { atAudioMs: 900, lateMs: 80 },
      { atAudioMs: 905, lateMs: 80 },
    ];
    expect(injectedHolesFound([answer([hole(895, 80)])], close)).toEqual({ expected: 2, found: 1, other: 0 });
  });

  it('reads --inject-holes and refuses what is not a stall', () => {
    expect(parseInjectedStalls('900:80, 2100:120')).toEqual(STALLS);
    expect(() => parseInjectedStalls('900')).toThrow(/atAudioMs:lateMs/);
    expect(() => parseInjectedStalls('900:10')).toThrow(/not a hole/);
  });
});
