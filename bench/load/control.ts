import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCores } from '../../stack/cores.js';
import type { DeadlineLoopFigures } from './deadline-loop.js';

/**
 * Starts the control beside a load phase: a bare deadline loop (deadline-loop.ts) in a process of
 * its own, at the priority of a call's thread (PARLEY_CALL_THREAD_NICE, as a job sets it) and on the
 * same cores (`cores`, when the run is pinned). `stop()` ends it and returns what it saw over the same seconds as the jobs.
 */
export function startControlLoop(cores?: string): { started: Promise<void>; stop(): Promise<DeadlineLoopFigures> } {
  const script = fileURLToPath(new URL('./deadline-loop.ts', import.meta.url));
  const args = ['--import', 'tsx', script, '--run'];
  // pinned runs put it on the worker's cores, where the jobs are
  const [cmd, argv] = onCores(cores, process.execPath, args);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onStarted = () => {};
  const started = new Promise<void>((r) => (onStarted = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('running\n')) onStarted();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    /** The loop runs: its figures cover what follows. */
    started,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const line = out.trim().split('\n').at(-1);
      if (!line) throw new Error('the control loop printed no figures');
      return JSON.parse(line) as DeadlineLoopFigures;
    },
  };
}
