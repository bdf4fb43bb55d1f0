import { getPriority, setPriority } from 'node:os';

/** What became of the call thread's priority: its nice value now, and why it is not the one asked for. */
export interface ThreadPriority {
  nice: number;
  refused?: string;
}

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
 * Only this thread: Linux's setpriority(PRIO_PROCESS, 0) (what `os.setPriority` calls) applies to
 * the calling thread, so rtc-node's threads keep the worker's priority and cannot crowd out the
 * loop that feeds them. Threads this one starts later inherit its value.
 *
 * A negative value needs CAP_SYS_NICE (root, or a container granted it; `RLIMIT_NICE` can also
 * allow it). Without it the call goes on at the inherited priority and `refused` says why.
 */
export function prioritiseCallThread(nice: number): ThreadPriority {
  const before = getPriority();
  if (nice === before) return { nice };
  try {
    setPriority(nice);
    return { nice: getPriority() };
  } catch (e) {
    return { nice: before, refused: (e as Error).message };
  }
}
