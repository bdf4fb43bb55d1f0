/**
 * How long received audio waits in a jitter buffer (libwebrtc's NetEq, inside rtc-node) before it
 * is read: in a call, the caller's audio in the agent's own. The call's input-lateness figure
 * cannot see this: NetEq is pulled at a steady 10 ms pace whatever it holds, so a stream can run a
 * second behind the caller while every hop arrives on time. It happens after a delay spike
 * (packets held up on the way, or the agent's network thread kept off the CPU): NetEq raises its
 * target to cover the spike and only drains the surplus by time-stretching speech, over tens of
 * seconds. Read from the inbound-rtp statistics once a second (rtc-stats.ts); nothing here runs
 * per frame.
 */

/** The inbound-rtp counters of the caller's audio (W3C webrtc-stats names; seconds and sample counts, cumulative). */
export interface InboundAudioCounters {
  jitterBufferDelay: number;
  jitterBufferTargetDelay: number;
  jitterBufferEmittedCount: number;
  totalSamplesReceived: number;
  concealedSamples: number;
  removedSamplesForAcceleration: number;
}

/** One interval between two readings of the counters. */
export interface JitterBufferInterval {
  /** Mean time a sample emitted in the interval had waited in the buffer, ms. */
  delayMs: number;
  /** NetEq's own target for that wait over the interval, ms. */
  targetMs: number;
  /** Share of the interval's samples that were concealment (nothing had come), 0–1. */
  concealedShare: number;
  /** Share removed by time-compression (NetEq draining a surplus), 0–1. */
  acceleratedShare: number;
}

/** The interval between two readings of the same stream; null when nothing was emitted in it (or the counters went back: a new stream). */
export function intervalBetween(prev: InboundAudioCounters, cur: InboundAudioCounters): JitterBufferInterval | null {
  const emitted = cur.jitterBufferEmittedCount - prev.jitterBufferEmittedCount;
  const samples = cur.totalSamplesReceived - prev.totalSamplesReceived;
  if (emitted <= 0 || samples <= 0) return null;
  return {
    delayMs: ((cur.jitterBufferDelay - prev.jitterBufferDelay) / emitted) * 1000,
    targetMs: ((cur.jitterBufferTargetDelay - prev.jitterBufferTargetDelay) / emitted) * 1000,
    concealedShare: Math.max(0, cur.concealedSamples - prev.concealedSamples) / samples,
    acceleratedShare: Math.max(0, cur.removedSamplesForAcceleration - prev.removedSamplesForAcceleration) / samples,
  };
}

/** What the call summary carries (RoomLine.figures): the call's distribution of the buffer's wait, and its first two minutes second by second. */
export interface JitterBufferFigures {
  intervals: number;
  p50Ms: number | null;
  maxMs: number | null;
  /** Seconds into the call (from the first reading) of the worst interval. */
  maxAtS: number | null;
  /** Seconds of the call the buffer held over HELD_MS. */
  heldS: number;
  /** The mean wait of each interval, ms, in order, the first SERIES_LIMIT of them. */
  series: number[];
  /** Ms of the caller's audio NetEq removed to drain a surplus, and ms it concealed (none had come), in all. */
  acceleratedMs: number;
  concealedMs: number;
}

/** A LiveKit call's figures from its summary's `line` (RoomLine.figures); null for another line, or a call that never read its caller. */
export function jitterBufferOf(line: Record<string, unknown> | undefined): JitterBufferFigures | null {
  const j = line?.jitterBuffer as JitterBufferFigures | null | undefined;
  return j && typeof j.intervals === 'number' && j.intervals > 0 ? j : null;
}

/** A wait over this is more than the network's jitter needs: the caller is heard that much later. */
export const HELD_MS = 200;
const SERIES_LIMIT = 120;

/** Summarises intervals taken `periodMs` apart. */
export class JitterBufferRecord {
  readonly #delays: number[] = [];
  #acceleratedMs = 0;
  #concealedMs = 0;

  constructor(private readonly periodMs: number) {}

  /** Adds the next interval; returns whether the buffer crossed HELD_MS with it (up or down). */
  add(i: JitterBufferInterval): boolean {
    const last = this.#delays.at(-1);
    this.#delays.push(i.delayMs);
    this.#acceleratedMs += i.acceleratedShare * this.periodMs;
    this.#concealedMs += i.concealedShare * this.periodMs;
    return (last !== undefined && last > HELD_MS) !== i.delayMs > HELD_MS;
  }

  figures(): JitterBufferFigures {
    const d = this.#delays;
    const sorted = [...d].sort((a, b) => a - b);
    const r = (x: number) => Math.round(x);
    const seconds = (intervals: number) => Math.round((intervals * this.periodMs) / 100) / 10;
    const max = sorted.at(-1);
    return {
      intervals: d.length,
      p50Ms: sorted.length ? r(sorted[Math.floor((sorted.length - 1) / 2)]!) : null,
      maxMs: max === undefined ? null : r(max),
      // the first interval as worst as that, counted to its end
      maxAtS: max === undefined ? null : seconds(d.indexOf(max) + 1),
      heldS: seconds(d.filter((x) => x > HELD_MS).length),
      series: d.slice(0, SERIES_LIMIT).map(r),
      acceleratedMs: r(this.#acceleratedMs),
      concealedMs: r(this.#concealedMs),
    };
  }
}

/** Reads the counters of the caller's audio now; null if there is no such stream (yet). */
export type CounterSource = () => Promise<InboundAudioCounters | null>;

/** Reads the counters every `periodMs` until stopped or the source fails (the room is gone). */
export class JitterBufferMonitor {
  readonly record: JitterBufferRecord;
  #prev: InboundAudioCounters | null = null;
  #timer: NodeJS.Timeout | null;
  #reading = false;

  /** `onHeld` is told each time the wait goes over HELD_MS (true) and back (false). */
  constructor(
    private readonly read: CounterSource,
    private readonly onHeld: (held: boolean, i: JitterBufferInterval) => void = () => {},
    periodMs = 1000,
  ) {
    this.record = new JitterBufferRecord(periodMs);
    this.#timer = setInterval(() => void this.#tick(), periodMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #tick(): Promise<void> {
    if (this.#reading) return; // a slow read is not stacked on
    this.#reading = true;
    try {
      const cur = await this.read();
      if (!cur || !this.#timer) return;
      const i = this.#prev && intervalBetween(this.#prev, cur);
      this.#prev = cur;
      if (i && this.record.add(i)) this.onHeld(i.delayMs > HELD_MS, i);
    } catch {
      this.stop();
    } finally {
      this.#reading = false;
    }
  }
}
