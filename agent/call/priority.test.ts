import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NODE_HELPER_THREAD_NAME, prioritiseCallThread } from './priority.js';

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
    prioritiseCallThread(start);
  });

  it.runIf(process.platform === 'linux' && process.getuid?.() === 0)(
    "sets this thread and Node's helper threads; a thread of another name keeps its own",
    () => {
      const others = readdirSync('/proc/self/task')
        .map(Number)
        .filter((t) => t !== process.pid);
      const helpers = others.filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === NODE_HELPER_THREAD_NAME);
      expect(helpers.length).toBeGreaterThan(1); // V8's platform threads at least
      // one helper renamed as rtc-node's threads are (a thread's name is its own to write)
      const stranger = helpers[0]!;
      const commFile = `/proc/self/task/${stranger}/comm`;
      writeFileSync(commFile, 'tokio-rt-worker');
      try {
        const strangerNice = niceOf(stranger);
        const target = start - 5;
        const r = prioritiseCallThread(target);
        expect(r).toEqual({ nice: target, helpers: helpers.length - 1 });
        expect(niceOf(process.pid)).toBe(target);
        for (const t of helpers.slice(1)) expect(niceOf(t), `helper ${t}`).toBe(target);
        expect(niceOf(stranger)).toBe(strangerNice);
        // back to where it was: the helpers follow again
        prioritiseCallThread(start);
        for (const t of helpers.slice(1)) expect(niceOf(t), `helper ${t}`).toBe(start);
      } finally {
        writeFileSync(commFile, NODE_HELPER_THREAD_NAME);
      }
    },
  );

  it('a refusal leaves the priority as it was and says why', () => {
    refusal.on = true;
    const r = prioritiseCallThread(start - 10);
    expect(r.nice).toBe(start);
    expect(r.helpers).toBe(0);
    expect(r.refused).toMatch(/EACCES/);
  });

  it('asking for what it already has changes nothing', () => {
    expect(prioritiseCallThread(start).nice).toBe(start);
  });
});
