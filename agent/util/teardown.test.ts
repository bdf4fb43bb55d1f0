import { describe, expect, it } from 'vitest';
import { Teardown } from './teardown.js';

describe('Teardown', () => {
  it('closes in reverse order of registration', async () => {
    const t = new Teardown();
    const order: string[] = [];
    for (const n of ['source', 'redis', 'responder']) t.defer(n, () => void order.push(n));
    expect(await t.run()).toEqual([]);
    expect(order).toEqual(['responder', 'redis', 'source']);
  });

  it('runs every other close when one throws, and one rejects, and reports both', async () => {
    const t = new Teardown();
    const closed: string[] = [];
    t.defer('a', () => void closed.push('a'));
    t.defer('throws', () => {
      throw new Error('boom');
    });
    t.defer('b', async () => void closed.push('b'));
    t.defer('rejects', () => Promise.reject(new Error('late boom')));
    t.defer('c', () => void closed.push('c'));
    const failures = await t.run();
    expect(closed).toEqual(['c', 'b', 'a']);
    expect(failures.map((f) => [f.name, f.error.message])).toEqual([
      ['rejects', 'late boom'],
      ['throws', 'boom'],
    ]);
  });

  it('waits for an async close before the next one starts', async () => {
    const t = new Teardown();
    const order: string[] = [];
    t.defer('second', () => void order.push('second'));
    t.defer('first', async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('first');
    });
    await t.run();
    expect(order).toEqual(['first', 'second']);
  });

  it('runs once: a second run returns the same result and closes nothing again', async () => {
    const t = new Teardown();
    let n = 0;
    t.defer('x', () => void n++);
    const [a, b] = [t.run(), t.run()];
    expect(a).toBe(b);
    await a;
    await t.run();
    expect(n).toBe(1);
  });

  it('closes a resource registered after the teardown began, after the rest', async () => {
    const t = new Teardown();
    const order: string[] = [];
    t.defer('early', () => void order.push('early'));
    const run = t.run();
    t.defer('late', () => void order.push('late'));
    await run;
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['early', 'late']);
  });

  it('gives up on a close that hangs, reports it, and runs the rest', async () => {
    const t = new Teardown(50);
    const closed: string[] = [];
    t.defer('recorder', () => void closed.push('recorder'));
    t.defer('hangs', () => new Promise(() => {}));
    t.defer('slow but bounded', () => new Promise((r) => setTimeout(r, 200)), { timeoutMs: 1_000 });
    const t0 = Date.now();
    const failures = await t.run();
    expect(closed).toEqual(['recorder']);
    expect(failures.map((f) => [f.name, f.error.message])).toEqual([['hangs', 'did not finish within 50 ms']]);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('wraps a thrown non-Error', async () => {
    const t = new Teardown();
    t.defer('str', () => {
      throw 'plain string';
    });
    const [f] = await t.run();
    expect(f!.error).toBeInstanceOf(Error);
    expect(f!.error.message).toBe('plain string');
  });
});
