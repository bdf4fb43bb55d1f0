import type { VadMode } from '../config/config.js';
import type { PacerStats } from '../pacer/pacer.js';
import type { Transport } from './record.js';

/**
 * One finished call, as the job process saw it: what the load and soak runners read (Redis
 * stream `parley:calls`) to judge smoothness and cost per job without sampling every process.
 */
export interface CallSummary {
  callId: string;
  room: string;
  /** The job process, so a runner that samples processes can tell which one served the call. */
  pid: number;
  transport: Transport;
  vadMode: VadMode;
  /** Job entry (wall ms), the caller joined, the call ended. */
  jobStartedAt: number;
  callerJoinedAt: number;
  endedAt: number;
  turns: number;
  completedTurns: number;
  pacer: {
    framesOut: number;
    underruns: number;
    sinkErrors: number;
    cadenceP999Ms: number;
    cadenceMaxMs: number;
    /** Holes the caller heard inside answers (the sink ran dry, or played padding), their ms, and the ms of answer audio. */
    audibleGaps: number;
    audibleGapMs: number;
    audioMs: number;
    /** The sink's time to accept a frame, p99.9 and worst (native back-pressure), ms. */
    captureWaitP999Ms: number;
    captureWaitMaxMs: number;
  };
  eventLoopP999Ms: number;
  eventLoopMaxMs: number;
  /** The latest a turn's onset was read behind the caller audio's own pace, ms (TurnRecord.onsetInputLateMs). */
  onsetInputLateMaxMs?: number;
  /** The nice value the call's JS thread ran at (agent/call/priority.ts). */
  callThreadNice: number;
  /** The job process: resident memory when the caller joined, at the end, and at its peak, MB. */
  rssStartMb: number;
  rssMb: number;
  maxRssMb: number;
  /** CPU time over the call's wall time, % of one core. */
  cpuPct: number;
  /** Active handles/requests (timers, sockets…) when the call started and when it ended. */
  handlesAtStart: number;
  handlesAtEnd: number;
  /** The Realtime session was renewed on purpose (planned) or reconnected after a drop. */
  realtimeReconnects: { planned: number; dropped: number };
  /** Context updates made during the call, and those still unwritten to Redis at its end. */
  contextUpdates: number;
  contextUnwritten: number;
  /** Callers handed to a person, and transfers the line refused (agent/call/transfer.ts). */
  transfers?: { done: number; failed: number };
  /** The line's own counters (a Twilio stream: media and marks out, echo lag, caller media gaps; a LiveKit room: `jitterBuffer`, JitterBufferFigures). */
  line?: Record<string, unknown>;
}

/** Snapshot of the process when the call starts; `finish` turns it into the summary. */
export class CallMeter {
  readonly #cpu = process.cpuUsage();
  readonly #wall = performance.now();
  readonly #handles = process.getActiveResourcesInfo().length;
  readonly #rss = process.memoryUsage.rss();

  finish(
    base: Omit<
      CallSummary,
      'pid' | 'endedAt' | 'rssStartMb' | 'rssMb' | 'maxRssMb' | 'cpuPct' | 'handlesAtStart' | 'handlesAtEnd' | 'pacer'
    >,
    pacer: PacerStats,
  ): CallSummary {
    const cpu = process.cpuUsage(this.#cpu);
    const wallMs = Math.max(1, performance.now() - this.#wall);
    const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
    return {
      ...base,
      pid: process.pid,
      endedAt: Date.now(),
      pacer: {
        framesOut: pacer.framesOut,
        underruns: pacer.underruns,
        sinkErrors: pacer.sinkErrors,
        // past the histogram's range (5 s) the worst frame is the honest bound; JSON has no Infinity
        cadenceP999Ms: Number.isFinite(pacer.cadence.p999Ms) ? pacer.cadence.p999Ms : Math.round(pacer.cadence.maxAbsMs * 100) / 100,
        cadenceMaxMs: Math.round(pacer.cadence.maxAbsMs * 100) / 100,
        audibleGaps: pacer.audibleGaps,
        audibleGapMs: pacer.audibleGapMs,
        audioMs: pacer.audioMs,
        captureWaitP999Ms: Number.isFinite(pacer.captureWait.p999Ms) ? pacer.captureWait.p999Ms : pacer.captureWait.maxMs,
        captureWaitMaxMs: pacer.captureWait.maxMs,
      },
      rssStartMb: mb(this.#rss),
      rssMb: mb(process.memoryUsage.rss()),
      maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
      cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
      handlesAtStart: this.#handles,
      handlesAtEnd: process.getActiveResourcesInfo().length,
    };
  }
}
