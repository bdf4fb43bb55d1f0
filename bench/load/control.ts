import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DeadlineLoopFigures } from './deadline-loop.js';

/**
 * Starts the control beside a load phase: a bare deadline loop (deadline-loop.ts) in a process of
 * its own, at the jobs' priority (a plain child, nice 0, as the worker forks its jobs) and on the
 * same cores. `stop()` ends it and returns what it saw over the same seconds as the jobs.
 */
export function startControlLoop(): { stop(): Promise<DeadlineLoopFigures> } {
  const script = fileURLToPath(new URL('./deadline-loop.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--run'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const line = out.trim().split('\n').at(-1);
      if (!line) throw new Error('the control loop printed no figures');
      return JSON.parse(line) as DeadlineLoopFigures;
    },
  };
}
