import { existsSync, readFileSync } from 'node:fs';
import { callProfileFile } from '../../agent/metrics/call-profile.js';
import { sleep } from '../../callers/wait.js';
import { type CallProfileFile, readCallProfile, type StallWindow, type ThreadTime } from '../../report/long-tasks.js';

/** The first seconds of a call's profile (module loading, JIT, the session's set-up) are left out of its CPU by cause. */
export const PROFILE_WARM_UP_MS = 5000;

/**
 * The stall windows of every given call's CPU profile (`PARLEY_CPU_PROFILE_DIR`: one
 * `<callId>.cpuprofile` per call, written as the call's very last teardown step, so after its
 * summary), and each call's JS thread time by cause past its warm-up. Waits up to `timeoutMs`
 * for the files; a call whose profile never came is named.
 */
export async function readCallProfiles(
  dir: string,
  callIds: string[],
  timeoutMs = 15_000,
): Promise<{ windows: StallWindow[]; ticks: number; threads: ThreadTime[]; missing: string[] }> {
  const file = (id: string) => callProfileFile(dir, id);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !callIds.every((id) => existsSync(file(id)))) await sleep(250);
  const windows: StallWindow[] = [];
  const threads: ThreadTime[] = [];
  let ticks = 0;
  const missing: string[] = [];
  for (const id of callIds) {
    try {
      const p = JSON.parse(readFileSync(file(id), 'utf8')) as CallProfileFile;
      const reading = readCallProfile(p, p.watch.stalls, p.startTime + PROFILE_WARM_UP_MS * 1000);
      windows.push(...reading.windows);
      ticks += p.watch.ticks;
      threads.push(reading.thread);
    } catch {
      missing.push(id); // not written (yet), or cut short by the job's exit
    }
  }
  return { windows, ticks, threads, missing };
}
