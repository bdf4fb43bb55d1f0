import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * A CPU profile of one call's event loop, on demand (`PARLEY_CPU_PROFILE_DIR`): V8's sampling
 * profiler, started in this process when the call starts and written as `<dir>/<callId>.cpuprofile`
 * when it ends, so a profile covers exactly one call (not the process's start-up or its warm wait).
 *
 * Beside it runs a watch: a timer every TICK_MS that notes each tick it ran late (when it was due,
 * and by how much, on the profile's own clock). A late tick is a stall of the loop, the thing
 * `monitorEventLoopDelay` counts; the profile's samples inside it say what held the loop then
 * (`report/long-tasks.ts`, `npm run load -- --profile`). The file is a `.cpuprofile` DevTools opens,
 * with one more field, `watch`.
 *
 * One sample per millisecond: fine enough to split a 5 ms stall by cause, coarse enough that the
 * profiler's own thread costs a few % of a core. Off by default: a production worker profiles a
 * call only when someone asks.
 */
export const PROFILE_INTERVAL_US = 1000;
const TICK_MS = 5;
/** Lateness below this is the timer's own jitter, not a stall. */
const MIN_STALL_MS = 1;

/** Where a call's profile goes: a call id is the line's (a LiveKit job id, a Twilio CallSid), kept a plain file name. */
export function callProfileFile(dir: string, callId: string): string {
  return join(dir, `${callId.replace(/[^A-Za-z0-9_.-]/g, '_')}.cpuprofile`);
}

export class CallProfiler {
  readonly #stalls: { endUs: number; ms: number }[] = [];
  #ticks = 0;
  readonly #watch: NodeJS.Timeout;

  private constructor(
    private readonly session: Session,
    private readonly file: string,
  ) {
    let due = performance.now() + TICK_MS;
    this.#watch = setInterval(() => {
      const now = performance.now();
      const late = now - due;
      if (late >= MIN_STALL_MS) this.#stalls.push({ endUs: Number(process.hrtime.bigint() / 1000n), ms: Math.round(late * 100) / 100 });
      this.#ticks++;
      due = now + TICK_MS; // Node schedules the next tick from this one's start
    }, TICK_MS);
    this.#watch.unref();
  }

  /** Starts profiling this process (throws if the inspector's profiler cannot be had). */
  static async start(dir: string, callId: string): Promise<CallProfiler> {
    await mkdir(dir, { recursive: true });
    const session = new Session();
    session.connect();
    try {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
      await session.post('Profiler.start');
    } catch (e) {
      session.disconnect();
      throw e;
    }
    return new CallProfiler(session, callProfileFile(dir, callId));
  }

  /** Stops and writes the profile with its watch; returns the file's path. */
  async stop(): Promise<string> {
    clearInterval(this.#watch);
    try {
      const { profile } = await this.session.post('Profiler.stop');
      const watch = { tickMs: TICK_MS, ticks: this.#ticks, minStallMs: MIN_STALL_MS, stalls: this.#stalls };
      await writeFile(this.file, JSON.stringify({ ...profile, watch }));
      return this.file;
    } finally {
      this.session.disconnect();
    }
  }
}
