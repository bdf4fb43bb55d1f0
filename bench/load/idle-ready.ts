import { existsSync, readFileSync, statSync } from 'node:fs';
import { DEFAULT_IDLE_PROCESSES } from '../../agent/config/config.js';
import { readSettings } from '../../agent/config/parse.js';
import { WORKER_SETTINGS } from '../../agent/config/settings.js';
import { IDLE_PROCESS_READY } from '../../agent/prewarm.js';
import { sleep } from '../../callers/wait.js';

/** Bytes in a log file now (0 if there is none): where a new run's lines begin (the stack appends). */
export function logSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** How many idle processes a worker started from this environment keeps (its PARLEY_IDLE_PROCESSES, read as the worker reads it). */
export function configuredIdleProcesses(env: NodeJS.ProcessEnv = process.env): number {
  return (
    readSettings(env, { PARLEY_IDLE_PROCESSES: WORKER_SETTINGS.PARLEY_IDLE_PROCESSES }).PARLEY_IDLE_PROCESSES ?? DEFAULT_IDLE_PROCESSES
  );
}

/**
 * Waits until `count` idle job processes have logged that they are prewarmed, in the worker's log
 * past byte `from`. Returns how many did; after `timeoutMs` it says so and returns what it saw.
 */
export async function idleProcessesReady(
  file: string,
  from: number,
  count = configuredIdleProcesses(),
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file).subarray(from).toString() : '';
    seen = text.split(`"msg":"${IDLE_PROCESS_READY}"`).length - 1;
    if (seen >= count || Date.now() >= deadline) break;
    await sleep(200);
  }
  if (seen < count) console.log(`only ${seen} of ${count} idle processes prewarmed after ${timeoutMs} ms; timing the warm dispatch anyway`);
  return seen;
}
