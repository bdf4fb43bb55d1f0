import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** What became of the call thread's priority: its nice value now, and why it is not the one asked for. */
export interface ThreadPriority {
  nice: number;
  /** This process's V8 and libuv helper threads brought to the same value. */
  helpers: number;
  refused?: string;
}

/** What Linux calls the threads Node starts for V8 (GC, compiler) and libuv; rtc-node names its own. */
export const NODE_HELPER_THREAD_NAME = 'node';

/**
 * Puts the call's JS thread (the one running this) ahead of the other threads and processes on
 * its core: nice `nice` (Linux: lower is sooner, −20…19).
 *
 * Why: on a core half idle, one call's event loop still stalled 30–50 ms at p99.9, and its CPU
 * profile showed why: in most long stalls the thread had no sample at all, i.e. it was runnable
 * but not running, behind rtc-node's own threads (Opus encoder, WebRTC network and signalling,
 * tokio), the worker, and warm idle processes on the same core. A timer due then (the pacer's
 * next frame) fired late by that much. With the loop's thread at −10: event loop p99.9 47.7 →
 * 13 ms, pacer hand-off 91.6 → 8.8 ms (docs/deployment.md, the stall table).
 *
 * This thread and its helpers only: Linux's setpriority(PRIO_PROCESS, tid) applies to one thread,
 * so rtc-node's threads keep the worker's priority and cannot crowd out the loop that feeds them.
 * The helpers are V8's platform threads (parallel scavenge, concurrent marking, compiling) and
 * libuv's pool, all named `node`: the loop waits for them in every scavenge, and left at the
 * inherited value they were outranked by the other calls' loops, a priority inversion. With them
 * raised too, in three pinned two-call pairs: GC's ms inside stalls 292 / 172 / 158 → 106 / ≤ 74 /
 * 54, the pacer's p99.9 over the control's 5.7 / 1.6 / 4.8 → 4.7 / 0.9 / 0.8 (docs/deployment.md).
 * Threads started later inherit the value of the thread that starts them.
 *
 * A negative value needs CAP_SYS_NICE (root, or a container granted it; `RLIMIT_NICE` can also
 * allow it). Without it the call goes on at the inherited priority and `refused` says why.
 */
export function prioritiseCallThread(nice: number): ThreadPriority {
  const before = getPriority();
  try {
    if (nice !== before) setPriority(nice);
  } catch (e) {
    return { nice: before, helpers: 0, refused: (e as Error).message };
  }
  return { nice: getPriority(), helpers: raiseHelpers(nice) };
}

/** Brings this process's helper threads (not the calling one: Node's main thread has the pid as its tid) to `nice`. */
function raiseHelpers(nice: number): number {
  let raised = 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0; // not Linux
  }
  for (const tid of tids) {
    if (Number(tid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== NODE_HELPER_THREAD_NAME) continue;
      if (getPriority(Number(tid)) !== nice) setPriority(Number(tid), nice);
      raised++;
    } catch {
      // gone since the listing, or refused (then the calling thread's raise was refused first)
    }
  }
  return raised;
}
