import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { prioritiseCallThread } from './priority.js';

// setPriority as the module sees it, refusing on demand (an unprivileged container's answer)
const refusal = vi.hoisted(() => ({ on: false }));
vi.mock('node:os', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:os')>();
  return {
    ...real,
    setPriority: (...a: [number] | [number, number]) => {
      if (refusal.on) throw new Error('A system error occurred: uv_os_setpriority returned EACCES (permission denied)');
      return (real.setPriority as (...x: number[]) => void)(...a);
    },
  };
});

/** The nice value of one thread of this process, from /proc (field 19 of its stat line). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  // the command name (field 2) may hold spaces: count the fields after its closing parenthesis
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('the call thread ahead of the rest of its core', () => {
  const start = getPriority();
  afterEach(() => {
    refusal.on = false;
    setPriority(start);
  });

  it.runIf(process.platform === 'linux' && process.getuid?.() === 0)(
    "sets this thread only: the process's other threads keep theirs",
    () => {
      const others = readdirSync('/proc/self/task')
        .map(Number)
        .filter((t) => t !== process.pid);
      expect(others.length).toBeGreaterThan(0); // V8's and libuv's threads
      const before = new Map(others.map((t) => [t, niceOf(t)]));
      const target = start - 5;
      expect(prioritiseCallThread(target)).toEqual({ nice: target });
      expect(niceOf(process.pid)).toBe(target);
      for (const [t, n] of before) expect(niceOf(t), `thread ${t}`).toBe(n);
    },
  );

  it('a refusal leaves the priority as it was and says why', () => {
    refusal.on = true;
    const r = prioritiseCallThread(start - 10);
    expect(r.nice).toBe(start);
    expect(r.refused).toMatch(/EACCES/);
  });

  it('asking for what it already has changes nothing', () => {
    expect(prioritiseCallThread(start)).toEqual({ nice: start });
  });
});
