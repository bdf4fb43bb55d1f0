import { describe, expect, it } from 'vitest';
import { PlayModel } from './play-model.js';

describe('PlayModel', () => {
  it('plays frames back to back in real time from the first hand-off', () => {
    const m = new PlayModel();
    m.record(0, 1, 20, 20);
    m.record(0, 1, 20, 20);
    m.record(0, 1, 20, 20);
    expect(m.queuedMs(0)).toBe(60);
    expect(m.unplayedMs(1, 0)).toBe(60);
    expect(m.unplayedMs(1, 25)).toBe(35);
    m.record(25, 1, 20, 20); // queued behind the others: plays 60..80
    expect(m.unplayedMs(1, 25)).toBe(55);
    expect(m.unplayedMs(1, 80)).toBe(0);
    expect(m.queuedMs(90)).toBe(0);
  });

  it('splits by owner, ignores silence, and counts a padded tail only for its audio', () => {
    const m = new PlayModel();
    m.record(0, 1, 20, 20); // 0..20
    m.record(0, 1, 5, 20); // 20..40, 5 ms audio then padding
    m.record(0, -1, 0, 20); // 40..60 silence
    m.record(0, 2, 20, 20); // 60..80
    expect(m.unplayedMs(1, 10)).toBe(15);
    expect(m.unplayedMs(1, 22)).toBe(3);
    expect(m.unplayedMs(1, 30)).toBe(0);
    expect(m.unplayedMs(2, 30)).toBe(20);
    expect(m.unplayedMs(2, 70)).toBe(10);
  });

  it('restarts after an idle gap and forgets everything on clear', () => {
    const m = new PlayModel();
    m.record(0, 1, 20, 20);
    m.record(100, 1, 20, 20); // idle in between: plays 100..120
    expect(m.unplayedMs(1, 50)).toBe(20);
    m.clear();
    expect(m.unplayedMs(1, 105)).toBe(0);
    expect(m.endsAt).toBe(-Infinity);
  });
});
