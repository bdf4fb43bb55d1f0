import type { AudioFrame } from '@livekit/rtc-node';
import type { PacerClock } from './clock.js';
import type { FrameSink } from './pacer.js';

/** A clock that moves only when told to; timers fire in deadline order as it moves. For tests. */
export class ManualClock implements PacerClock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  readonly wallBase = 1_700_000_000_000;

  now(): number {
    return this.#now;
  }
  wallNow(): number {
    return this.wallBase + this.#now;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms` firing nothing, as an event loop blocked that long: timers due meanwhile fire late. */
  stall(ms: number): void {
    this.#now += ms;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.#timers) if (e[1].at <= target && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets pending promise callbacks (capture settlements) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Records what the pacer hands over. Captures settle at once unless `hold` is set. */
export class FakeSink implements FrameSink {
  readonly frames: { at: number; data: Int16Array; samples: number; rate: number }[] = [];
  clears = 0;
  /** Set to keep captures pending until release() (a slow sink). */
  hold = false;
  #pending: (() => void)[] = [];
  concurrent = 0;
  maxConcurrent = 0;

  constructor(private readonly clock: { now(): number }) {}

  captureFrame(frame: AudioFrame): Promise<void> {
    // copy: a frame object may be reused (silence), and the test wants what was handed at the time
    this.frames.push({ at: this.clock.now(), data: frame.data.slice(), samples: frame.samplesPerChannel, rate: frame.sampleRate });
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    return new Promise<void>((resolve) => {
      const done = () => {
        this.concurrent--;
        resolve();
      };
      if (this.hold) this.#pending.push(done);
      else queueMicrotask(done);
    });
  }

  clearQueue(): void {
    this.clears++;
  }

  release(): void {
    for (const d of this.#pending.splice(0)) d();
  }

  /** All samples handed over, in order. */
  concat(): Int16Array {
    const out = new Int16Array(this.frames.reduce((n, f) => n + f.data.length, 0));
    let o = 0;
    for (const f of this.frames) {
      out.set(f.data, o);
      o += f.data.length;
    }
    return out;
  }
}

export { rng } from '../util/rng.js';

/** A ramp of distinct non-zero samples, so lost, duplicated or reordered samples show. */
export function ramp(n: number, start = 0): Int16Array {
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = ((start + i) % 32000) + 1;
  return a;
}
