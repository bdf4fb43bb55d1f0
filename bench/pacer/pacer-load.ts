/**
 * The source/sink half of the pacer bench, reusable: one simulated call session that feeds bursty,
 * faster-than-real-time "Realtime API" audio through a sender into any FrameSink (a bare
 * AudioSource here; later one published to a real room), recording every hand-off.
 *
 *   runSession(sink, { sender, seconds, seed })  →  SessionLog (hand-off times per response)
 *   analyse(logs)                                →  cadence deviation percentiles, gaps, frames
 *
 * Senders:
 *   pacer — agent/pacer (deadline clock, lead 2 frames), the sink should have queueSizeMs 60
 *   naive — no pacer: each chunk is cut into 20 ms frames and captured as soon as it arrives
 *           (captures chained, since rtc-node refuses a capture while one is pending). Its rhythm
 *           is whatever the sink imposes: with a 60 ms AudioSource that is the native queue's
 *           back-pressure; with the default 1000 ms queue there is hardly any.
 */
import { once } from 'node:events';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { AudioFrame, AudioSource } from '@livekit/rtc-node';
import { ChunkQueue } from '../../agent/pacer/chunk-queue.js';
import { Pacer, type FrameSink, type PacerStats } from '../../agent/pacer/pacer.js';
import { rng } from '../../agent/pacer/testing.js';

export const RATE = 24_000;
export const FRAME_MS = 20;
export const SPF = (RATE * FRAME_MS) / 1000;
/** Frames of each response excluded from the cadence: the ones handed at once to fill the sink. */
export const PRIMING_FRAMES = 3;

export type Sender = 'pacer' | 'naive';

export interface SessionOptions {
  sender: Sender;
  /** Keep starting responses until this much time has passed. */
  seconds: number;
  seed: number;
  /** Response length range, ms of audio. */
  responseMs?: [number, number];
  /** Chunk size range, ms of audio (any sample count in between, not frame multiples). */
  chunkMs?: [number, number];
  /** Chunks per burst. */
  burst?: [number, number];
  /** Delivery speed range as a multiple of real time (> 1: faster than real time). */
  speed?: [number, number];
  /** Pause between responses (the caller's turn), ms. */
  pauseMs?: [number, number];
  /** Delay before the first response, ms (staggers concurrent sessions). */
  startDelayMs?: number;
}

/** Hand-off times, grouped by response. */
export interface SessionLog {
  /** Per response: hand-off time (performance.now ms) of every frame, in order. */
  handoffs: number[][];
  /** Per response: whether each frame was silence padding (the source never sends a zero sample). */
  silence: boolean[][];
  /** Per frame: modelled ms queued in the sink just before the hand-off. */
  sinkMs: number[];
  pacer?: PacerStats;
  /** GC pauses of the process the session ran in, [start, duration] in performance.now ms (room mode). */
  gc?: [number, number][];
}

/**
 * Wraps a sink and records each hand-off (the moment captureFrame is called) into the current
 * response's bucket, with the sink's modelled queue (real-time drain from the first frame).
 */
export class RecordingSink implements FrameSink {
  readonly log: SessionLog = { handoffs: [], silence: [], sinkMs: [] };
  #playEnd = -Infinity;

  constructor(private readonly inner: FrameSink) {}

  startResponse(): void {
    this.log.handoffs.push([]);
    this.log.silence.push([]);
  }

  /** When everything handed over so far will have played. */
  get playEnd(): number {
    return this.#playEnd;
  }

  captureFrame(frame: AudioFrame): Promise<void> {
    const now = performance.now();
    const r = this.log.handoffs.length - 1;
    this.log.handoffs[r].push(now);
    this.log.silence[r].push(frame.data[0] === 0);
    this.log.sinkMs.push(Math.max(0, this.#playEnd - now));
    this.#playEnd = Math.max(now, this.#playEnd) + (frame.samplesPerChannel / frame.sampleRate) * 1000;
    return this.inner.captureFrame(frame);
  }

  clearQueue(): void {
    this.#playEnd = -Infinity;
    this.inner.clearQueue();
  }
}

/** Speech-like enough for a codec and never exactly zero, so padding is recognisable downstream. */
function makeSignal(seconds: number, seed: number): Int16Array {
  const rand = rng(seed);
  const a = new Int16Array(RATE * seconds);
  for (let i = 0; i < a.length; i++) {
    const v = Math.round(3000 * Math.sin((2 * Math.PI * 180 * i) / RATE) + 800 * (rand() - 0.5));
    a[i] = v === 0 ? 1 : v;
  }
  return a;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Feeds one response to the sender as bursts of chunks, faster than real time. */
async function feedResponse(
  signal: Int16Array,
  rand: () => number,
  o: Required<Omit<SessionOptions, 'sender' | 'seconds' | 'seed' | 'startDelayMs'>>,
  push: (pcm: Int16Array) => void,
): Promise<void> {
  const between = (r: [number, number]) => r[0] + rand() * (r[1] - r[0]);
  const total = Math.round((between(o.responseMs) * RATE) / 1000);
  let off = Math.floor(rand() * (signal.length - total));
  let left = total;
  while (left > 0) {
    const chunks = Math.round(between(o.burst));
    let burstSamples = 0;
    for (let c = 0; c < chunks && left > 0; c++) {
      const n = Math.min(left, Math.max(1, Math.round((between(o.chunkMs) * RATE) / 1000)));
      push(signal.subarray(off, off + n));
      off += n;
      left -= n;
      burstSamples += n;
    }
    if (left > 0) await sleep((burstSamples * 1000) / RATE / between(o.speed));
  }
}

/** One session: responses one after another, each fed in bursts, until `seconds` have passed. */
export async function runSession(sink: RecordingSink, opts: SessionOptions): Promise<SessionLog> {
  const o = {
    responseMs: opts.responseMs ?? [1500, 6000],
    chunkMs: opts.chunkMs ?? [20, 200],
    burst: opts.burst ?? [1, 4],
    speed: opts.speed ?? [1.2, 4],
    pauseMs: opts.pauseMs ?? [200, 800],
  } satisfies Required<Omit<SessionOptions, 'sender' | 'seconds' | 'seed' | 'startDelayMs'>>;
  const rand = rng(opts.seed);
  const signal = makeSignal(8, opts.seed + 1);
  const endAt = performance.now() + opts.seconds * 1000;
  await sleep(opts.startDelayMs ?? 0);

  if (opts.sender === 'pacer') {
    const pacer = new Pacer(sink, { sampleRate: RATE, frameMs: FRAME_MS, leadFrames: 2 });
    for (let i = 0; performance.now() < endAt; i++) {
      const id = `resp_${i}`;
      sink.startResponse();
      const drained = once(pacer, 'drained');
      await feedResponse(signal, rand, o, (pcm) => pacer.push(id, pcm));
      pacer.endResponse(id);
      await drained;
      await sleep(o.pauseMs[0] + rand() * (o.pauseMs[1] - o.pauseMs[0]));
    }
    sink.log.pacer = pacer.stats();
    pacer.close();
  } else {
    while (performance.now() < endAt) {
      sink.startResponse();
      const q = new ChunkQueue();
      let chain = Promise.resolve();
      const sendFrames = (all: boolean) => {
        while (q.available >= SPF || (all && q.available > 0)) {
          const f = new AudioFrame(new Int16Array(SPF), RATE, 1, SPF);
          q.read(f.data, SPF);
          chain = chain.then(() => sink.captureFrame(f));
        }
      };
      await feedResponse(signal, rand, o, (pcm) => {
        q.push(pcm);
        sendFrames(false);
      });
      sendFrames(true);
      await chain;
      await sleep(sink.playEnd - performance.now());
      await sleep(o.pauseMs[0] + rand() * (o.pauseMs[1] - o.pauseMs[0]));
    }
  }
  return sink.log;
}

export interface Figures {
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  /** Audible gaps: a response's frame handed after the sink had run dry, or silence padded mid-response. */
  underruns: number;
  frames: number;
  /** ms queued in the sink at hand-off (barge-in exposure): median and max. */
  sink_p50_ms: number;
  sink_max_ms: number;
  pacer_underruns?: number;
  /** Frames more than 1 ms off the grid, and how many of them a GC pause of their process overlapped. */
  late_frames: number;
  late_in_gc: number;
}

/** A 24 kHz mono AudioSource with a queue of queueMs, or rtc-node's default (1 s) when undefined. */
export function audioSource(queueMs: number | undefined): AudioSource {
  return queueMs === undefined ? new AudioSource(RATE, 1) : new AudioSource(RATE, 1, queueMs);
}

export interface MeasuredSessions {
  logs: SessionLog[];
  /** This process's event-loop delay p99 while the sessions ran, ms. */
  loop_p99_ms: number;
  /** This process's CPU while the sessions ran, % of one core. */
  cpu_pct: number;
}

/**
 * Runs one session per sink, all at once, and measures this process meanwhile: event-loop delay,
 * CPU, and its GC pauses (attached to every log, so analyse() can say which late frames a
 * collection held up). The in-process bench and each room shard run their sessions through this.
 */
export async function runMeasuredSessions(sinks: FrameSink[], optionsOf: (i: number) => SessionOptions): Promise<MeasuredSessions> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const gcWatch = watchGc();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const logs = await Promise.all(sinks.map((sink, i) => runSession(new RecordingSink(sink), optionsOf(i))));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const gc = gcWatch.stop();
  for (const l of logs) l.gc = gc;
  return {
    logs,
    loop_p99_ms: Math.round(loop.percentile(99) / 1e4) / 100,
    cpu_pct: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
  };
}

/** Collects this process's GC pauses ([start, duration], performance.now ms) until stopped. */
function watchGc(): { stop(): [number, number][] } {
  const gc: [number, number][] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.push([e.startTime, e.duration]);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return gc;
    },
  };
}

/** Whether a GC pause overlapped [from, to] (the window in which a late frame was held up). */
function gcOverlaps(gc: [number, number][] | undefined, from: number, to: number): boolean {
  return !!gc?.some(([start, dur]) => start <= to && start + dur >= from);
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Cadence: for each response, hand-off n should be at t0 + n·20 ms for some t0. t0 is fitted as
 * the median of (h_n − n·20) (any constant lead is irrelevant to the rhythm); the deviation is
 * |h_n − n·20 − t0|. The first PRIMING_FRAMES frames of each response are excluded: every design
 * hands those at once to fill the sink's cushion.
 */
export function analyse(logs: SessionLog[]): Figures {
  const devs: number[] = [];
  const sink: number[] = [];
  let frames = 0;
  let gaps = 0;
  let pacerUnderruns = 0;
  let hasPacer = false;
  let late = 0;
  let lateInGc = 0;
  for (const log of logs) {
    sink.push(...log.sinkMs);
    if (log.pacer) {
      hasPacer = true;
      pacerUnderruns += log.pacer.underruns;
    }
    log.handoffs.forEach((h, r) => {
      frames += h.length;
      const sil = log.silence[r];
      let playEnd = -Infinity;
      let inGap = false;
      for (let n = 0; n < h.length; n++) {
        const gap = n > 0 && (sil[n] || h[n] > playEnd);
        if (gap && !inGap) gaps++;
        inGap = gap && sil[n];
        playEnd = Math.max(h[n], playEnd) + FRAME_MS;
      }
      if (h.length <= PRIMING_FRAMES) return;
      const off = Float64Array.from(h.slice(PRIMING_FRAMES), (t, i) => t - (i + PRIMING_FRAMES) * FRAME_MS).sort();
      const t0 = quantile(off, 0.5);
      for (let n = PRIMING_FRAMES; n < h.length; n++) {
        const dev = h[n] - n * FRAME_MS - t0;
        devs.push(Math.abs(dev));
        if (dev > 1) {
          late++;
          if (gcOverlaps(log.gc, h[n] - dev, h[n])) lateInGc++;
        }
      }
    });
  }
  const d = Float64Array.from(devs).sort();
  const s = Float64Array.from(sink).sort();
  return {
    p50_ms: r3(quantile(d, 0.5)),
    p99_ms: r3(quantile(d, 0.99)),
    p999_ms: r3(quantile(d, 0.999)),
    max_ms: r3(d.length ? d[d.length - 1] : 0),
    underruns: gaps,
    frames,
    sink_p50_ms: r3(quantile(s, 0.5)),
    sink_max_ms: r3(s.length ? s[s.length - 1] : 0),
    ...(hasPacer ? { pacer_underruns: pacerUnderruns } : {}),
    late_frames: late,
    late_in_gc: lateInGc,
  };
}

/**
 * The floor under any sender's cadence on this machine: a bare 20 ms timer loop (absolute
 * deadlines, no audio, no rtc-node) in this process, its wake-ups measured like the pacer's
 * hand-offs (deviation from the fitted grid). The OS and the VM occasionally wake a process
 * milliseconds late; no sender on the event loop can be steadier than this.
 */
export async function timerFloor(seconds: number): Promise<Pick<Figures, 'p50_ms' | 'p99_ms' | 'p999_ms' | 'max_ms' | 'frames'>> {
  const n = Math.round((seconds * 1000) / FRAME_MS);
  const at: number[] = [];
  const t0 = performance.now() + FRAME_MS;
  await new Promise<void>((done) => {
    const tick = () => {
      at.push(performance.now() - (t0 + at.length * FRAME_MS));
      if (at.length >= n) return done();
      setTimeout(tick, Math.max(0, t0 + at.length * FRAME_MS - performance.now()));
    };
    setTimeout(tick, FRAME_MS);
  });
  const mid = quantile(Float64Array.from(at).sort(), 0.5);
  const d = Float64Array.from(at, (x) => Math.abs(x - mid)).sort();
  return {
    p50_ms: r3(quantile(d, 0.5)),
    p99_ms: r3(quantile(d, 0.99)),
    p999_ms: r3(quantile(d, 0.999)),
    max_ms: r3(d[d.length - 1] ?? 0),
    frames: d.length,
  };
}
