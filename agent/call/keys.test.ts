import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyCollector } from './keys.js';

describe('KeyCollector', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keys within the gap are one entry, flushed a gap after the last; # flushes at once', () => {
    const entries: string[] = [];
    const keys = new KeyCollector(1000, (k) => entries.push(k));
    keys.press('1');
    vi.advanceTimersByTime(900);
    keys.press('2');
    vi.advanceTimersByTime(900);
    expect(entries).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(entries).toEqual(['12']);
    keys.press('4');
    keys.press('#');
    expect(entries).toEqual(['12', '4#']);
    vi.advanceTimersByTime(5000);
    expect(entries).toEqual(['12', '4#']);
  });

  it('drops what is not a keypad key, and nothing comes after close', () => {
    const entries: string[] = [];
    const keys = new KeyCollector(500, (k) => entries.push(k));
    expect(keys.press('x')).toBe(false);
    expect(keys.press('12')).toBe(false);
    expect(keys.press('*')).toBe(true);
    keys.close();
    vi.advanceTimersByTime(1000);
    expect(keys.press('1')).toBe(false);
    expect(entries).toEqual([]);
  });
});
