import { describe, expect, it } from 'vitest';
import { ChunkQueue } from './chunk-queue.js';
import { ramp, rng } from './testing.js';

describe('ChunkQueue', () => {
  it('reads arbitrary chunkings out in fixed pieces, every sample once, in order', () => {
    const rand = rng(7);
    const input = ramp(100_000);
    const q = new ChunkQueue();
    const out = new Int16Array(input.length);
    let pushed = 0;
    let read = 0;
    const piece = new Int16Array(480);
    while (read < input.length) {
      if (pushed < input.length && (rand() < 0.6 || q.available < 480)) {
        const n = Math.min(input.length - pushed, 1 + Math.floor(rand() * 5000));
        q.push(input.subarray(pushed, pushed + n));
        pushed += n;
      } else {
        const n = q.read(piece, 480);
        out.set(piece.subarray(0, n), read);
        read += n;
      }
      expect(q.available).toBe(pushed - read);
    }
    expect(out).toEqual(input);
  });

  it('reads no more than is queued; empty chunks are ignored; clear empties it', () => {
    const q = new ChunkQueue();
    q.push(new Int16Array(0));
    q.push(ramp(100));
    const dst = new Int16Array(480);
    expect(q.read(dst, 480)).toBe(100);
    expect(q.available).toBe(0);
    q.push(ramp(10));
    q.clear();
    expect(q.available).toBe(0);
    expect(q.read(dst, 480)).toBe(0);
  });
});
