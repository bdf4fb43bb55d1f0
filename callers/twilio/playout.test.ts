import { describe, expect, it } from 'vitest';
import { Playout } from './playout.js';

const bytes = (n: number, v: number) => Buffer.alloc(n, v);

describe('Playout', () => {
  it('plays 160-byte frames in the order sent, across message boundaries, the tail short', () => {
    const p = new Playout();
    p.push(bytes(100, 1));
    p.push(bytes(100, 2));
    p.push(bytes(150, 3));
    const frames = [p.tick(), p.tick(), p.tick(), p.tick()].map((t) => t.frame);
    expect(frames.map((f) => f?.length ?? 0)).toEqual([160, 160, 30, 0]);
    expect([...frames[0]!.subarray(99, 101)]).toEqual([1, 2]);
    expect([...frames[1]!.subarray(39, 41)]).toEqual([2, 3]);
    expect(p.bufferedBytes).toBe(0);
  });

  it('releases a mark the tick after the frame holding the last byte before it', () => {
    const p = new Playout();
    p.push(bytes(320, 1));
    p.mark('a');
    p.push(bytes(10, 2));
    p.mark('b');
    const ticks = [p.tick(), p.tick(), p.tick(), p.tick(), p.tick()];
    expect(ticks.map((t) => t.marks)).toEqual([[], [], ['a'], ['b'], []]);
    expect(ticks.map((t) => t.frame?.length ?? 0)).toEqual([160, 160, 10, 0, 0]);
  });

  it('releases a mark inside a frame only once that frame is over', () => {
    const p = new Playout();
    p.push(bytes(100, 1));
    p.mark('mid');
    p.push(bytes(100, 2));
    expect(p.tick()).toEqual({ frame: Buffer.concat([bytes(100, 1), bytes(60, 2)]), marks: [] });
    expect(p.tick()).toEqual({ frame: bytes(40, 2), marks: ['mid'] });
  });

  it('a mark with nothing before it goes out on the next tick', () => {
    const p = new Playout();
    p.mark('now');
    expect(p.tick()).toEqual({ frame: null, marks: ['now'] });
  });

  it('clear drops the buffer and hands back the pending marks', () => {
    const p = new Playout();
    p.push(bytes(800, 1));
    p.mark('x');
    p.push(bytes(800, 1));
    p.mark('y');
    p.tick();
    expect(p.clear()).toEqual({ discardedBytes: 1440, marks: ['x', 'y'] });
    expect(p.tick()).toEqual({ frame: null, marks: [] });
  });
});
