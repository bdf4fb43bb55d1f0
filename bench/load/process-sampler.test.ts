import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ProcessSampler, roleOf, statFields } from './process-sampler.js';

describe('statFields', () => {
  it('reads the fields after a command name that holds spaces and parentheses', () => {
    const stat = '4242 (Web Content (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 30 0 12345 1000000 2560';
    const f = statFields(stat);
    expect(f[0]).toBe('S');
    expect(f[1]).toBe('1'); // ppid
    expect(Number(f[11]) + Number(f[12])).toBe(325); // utime + stime
    expect(f[21]).toBe('2560'); // rss, pages
  });
});

describe('roleOf', () => {
  it('tells the stack’s processes apart by their command line', () => {
    expect(roleOf('/usr/bin/node --import tsx /w/node_modules/@livekit/agents/dist/ipc/job_proc_lazy_main.js /w/agent/main.ts', 9, 1)).toBe(
      'job',
    );
    expect(roleOf('/usr/bin/node /w/dist/agent/main.js start', 9, 1)).toBe('worker');
    expect(roleOf('/usr/bin/node --import tsx /w/agent/main.ts start', 9, 1)).toBe('worker');
    expect(roleOf('livekit-server --config livekit.yaml', 9, 1)).toBe('livekit-server');
    expect(roleOf('/usr/bin/node --import tsx /w/bench/load/deadline-loop.ts --run', 9, 1)).toBe('control');
    expect(roleOf('anything', 1, 1)).toBe('runner');
    expect(roleOf('sleep 5', 9, 1)).toBe('other');
  });
});

describe('ProcessSampler', () => {
  it('sees a busy child of this process, its CPU near one core and its RSS', async () => {
    // a child that spins for 1.5 s: the sampler must find it under this process and measure it
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 1500; while (Date.now() < end);'], { stdio: 'ignore' });
    const sampler = new ProcessSampler(process.pid, 250).start();
    await new Promise((r) => child.once('exit', r));
    const series = sampler.stop();
    const mine = series.find((s) => s.pid === child.pid);
    expect(mine, 'the child was sampled').toBeDefined();
    expect(mine!.role).toBe('other');
    const busiest = Math.max(...mine!.samples.map((s) => s.cpuPct));
    expect(busiest).toBeGreaterThan(20); // an idle process reads ~0; the CI machine may share the core
    expect(busiest).toBeLessThan(130); // one thread: about one core
    expect(mine!.samples.every((s) => s.rssMb > 5)).toBe(true);
    expect(Object.keys(mine!.samples.at(-1)!.threads).length).toBeGreaterThan(0);
  });
});
