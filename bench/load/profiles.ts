import { existsSync, readFileSync } from 'node:fs';
import { callProfileFile } from '../../agent/metrics/call-profile.js';
import { sleep } from '../../callers/wait.js';
import { type CallProfileFile, type StallWindow, stallWindows } from '../../report/long-tasks.js';

/**
 * The stall windows of every given call's CPU profile (`PARLEY_CPU_PROFILE_DIR`: one
 * `<callId>.cpuprofile` per call, written as the call's very last teardown step, so after its
 * summary). Waits up to `timeoutMs` for the files; a call whose profile never came is named.
 */
export async function readCallProfiles(
  dir: string,
  callIds: string[],
  timeoutMs = 15_000,
): Promise<{ windows: StallWindow[]; ticks: number; missing: string[] }> {
  const file = (id: string) => callProfileFile(dir, id);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !callIds.every((id) => existsSync(file(id)))) await sleep(250);
  const windows: StallWindow[] = [];
  let ticks = 0;
  const missing: string[] = [];
  for (const id of callIds) {
    try {
      const p = JSON.parse(readFileSync(file(id), 'utf8')) as CallProfileFile;
      windows.push(...stallWindows(p, p.watch.stalls));
      ticks += p.watch.ticks;
    } catch {
      missing.push(id); // not written (yet), or cut short by the job's exit
    }
  }
  return { windows, ticks, missing };
}
