import type { CallSummary } from '../../agent/metrics/call-summary.js';
import type { TurnRecord } from '../../agent/metrics/record.js';
import { perceivedMs } from '../../agent/metrics/record.js';
import { jitterBufferOf } from '../../agent/transports/livekit/jitter-buffer.js';
import { figuresOf } from '../metrics.js';
import { gapsPerMinute, type Gaps } from '../heard-gaps.js';
import { summarise } from '../stats.js';

/** The load run's figures: the keys the issue names, all from the workers' own records. */
export interface LoadFigures {
  rooms: number;
  answered_turns: number;
  errors: number;
  /** Pacer hand-off lateness p99.9, the worst job's (each job's from its own histogram). */
  pacer_p999_ms: number | null;
  /** The median job's pacer lateness p99.9: the typical call, where the worst job shows one bad moment. */
  pacer_p999_ms_median_job: number | null;
  pacer_underruns: number;
  /** Event-loop delay p99.9, the worst job's. */
  eventloop_p999_ms: number | null;
  /**
   * The latest a turn's onset was read behind the caller audio's own pace, the worst job's
   * (CallSummary.onsetInputLateMaxMs): what a loaded machine adds to a barge-in before the call sees it.
   */
  onset_input_late_max_ms: number | null;
  /**
   * How long the caller's audio waited in a job's own jitter buffer (NetEq) before the call read
   * it, the worst second of the worst job, and the median job's median: latency the input-lateness
   * figure cannot see (agent/transports/livekit/jitter-buffer.ts).
   */
  jitter_buffer_max_ms: number | null;
  jitter_buffer_p50_ms_median_job: number | null;
  /** The nice values the jobs' call threads ran at (agent/call/priority.ts), each once. */
  call_thread_nice: number[];
  turn_p50_ms: number | null;
  turn_p50_ms_1room: number | null;
  /**
   * Turn latency minus the model's own latency: with the local stand-in the model's latency is drawn
   * at random per response, so this is the figure that shows what load does to the system.
   */
  system_added_p50_ms: number | null;
  system_added_p50_ms_1room: number | null;
  /** Median over jobs of the job process's peak RSS. */
  rss_mb_per_job: number | null;
  /** Median over jobs of CPU time / call time, % of one core. */
  cpu_pct_per_job: number | null;
  /**
   * Holes in the agent's audio as the callers received it, per minute of sound, all rooms together,
   * and for the room alone. The answers are speech, whose short pauses count too: the difference
   * is what load adds (late frames, concealment).
   */
  heard_gaps_per_min: number | null;
  heard_gaps_per_min_1room: number | null;
  /**
   * Holes the callers heard inside answers, from each job's pacer (the sink ran dry, or played
   * padding while the model's audio was late), all rooms together: how many, and their ms per
   * minute of answer audio. Unlike heard_gaps, speech's own pauses are not in it.
   */
  audible_gaps: number;
  audible_gap_ms_per_min: number | null;
  audible_gaps_1room: number | null;
  /**
   * The same holes as the callers heard them (report/heard-answers.ts: each answer warped onto
   * the PCM the stand-in sent), all rooms together: how many, and their ms per minute of answer
   * audio heard. Null where the answers are not known (a deployment's). Beside the pacer's count:
   * the line's and the receiver's own holes are in this one only.
   */
  heard_holes: number | null;
  heard_hole_ms_per_min: number | null;
  /** The AudioSource's time to accept a frame, p99.9: the worst job's and the median job's (native back-pressure). */
  capture_wait_p999_ms: number | null;
  capture_wait_p999_ms_median_job: number | null;
}

export interface RoomOutcome {
  room: string;
  agentJoined: boolean;
  error?: string;
  /** Gaps in what the caller heard over the call. */
  heard?: Gaps;
  /** Holes heard inside its answers, their ms, and the ms of answer audio heard (null: answers not known). */
  holesHeard?: { holes: number; ms: number; answerMs: number } | null;
}

const BAD_TURNS = new Set(['failed', 'refused', 'timeout']);
const r1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);

export function loadFigures(o: {
  rooms: RoomOutcome[];
  turns: TurnRecord[];
  calls: CallSummary[];
  baselineTurns: TurnRecord[];
  baselineHeard?: Gaps;
  baselineCalls?: CallSummary[];
  /**
   * A room with no answered turn is an error (default). Not where the only caller is the agent's
   * own echo (lk's agent-load-test): there nothing should be answered.
   */
  answersExpected?: boolean;
}): LoadFigures & { per_room_answered: Record<string, number>; error_list: string[] } {
  const errorList: string[] = [];
  const perRoom: Record<string, number> = {};
  for (const r of o.rooms) {
    perRoom[r.room] = o.turns.filter((t) => t.room === r.room && t.status === 'completed').length;
    if (r.error) errorList.push(`${r.room}: ${r.error}`);
    else if (!r.agentJoined) errorList.push(`${r.room}: the agent never joined`);
    else if (perRoom[r.room] === 0 && o.answersExpected !== false) errorList.push(`${r.room}: no answered turn`);
    if (!o.calls.some((c) => c.room === r.room)) errorList.push(`${r.room}: no call summary (the job did not end cleanly)`);
  }
  for (const t of o.turns) if (BAD_TURNS.has(t.status)) errorList.push(`${t.room} turn ${t.turn}: ${t.status}`);
  for (const c of o.calls) {
    if (c.pacer.sinkErrors > 0) errorList.push(`${c.room}: ${c.pacer.sinkErrors} pacer sink errors`);
    if (c.contextUnwritten > 0) errorList.push(`${c.room}: ${c.contextUnwritten} context updates not written`);
  }
  const perceived = (ts: TurnRecord[]) =>
    ts
      .filter((t) => t.status === 'completed')
      .map(perceivedMs)
      .filter((x): x is number => x !== null);
  const systemAdded = (ts: TurnRecord[]) => ts.map(figuresOf).flatMap((f) => ('systemAdded' in f ? [f.systemAdded] : []));
  // a value a job could not give (null in its JSON) is left out, never read as 0
  const maxOf = (xs: (number | null)[]) => {
    const known = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return known.length ? Math.max(...known) : null;
  };
  return {
    rooms: o.rooms.length,
    answered_turns: o.turns.filter((t) => t.status === 'completed').length,
    errors: errorList.length,
    pacer_p999_ms: r1(maxOf(o.calls.map((c) => c.pacer.cadenceP999Ms))),
    pacer_p999_ms_median_job: r1(summarise(o.calls.map((c) => c.pacer.cadenceP999Ms)).median),
    pacer_underruns: o.calls.reduce((n, c) => n + c.pacer.underruns, 0),
    eventloop_p999_ms: r1(maxOf(o.calls.map((c) => c.eventLoopP999Ms))),
    onset_input_late_max_ms: r1(maxOf(o.calls.map((c) => c.onsetInputLateMaxMs ?? null))),
    jitter_buffer_max_ms: r1(maxOf(o.calls.map((c) => jitterBufferOf(c.line)?.maxMs ?? null))),
    jitter_buffer_p50_ms_median_job: r1(summarise(o.calls.flatMap((c) => jitterBufferOf(c.line)?.p50Ms ?? [])).median),
    call_thread_nice: [...new Set(o.calls.flatMap((c) => (typeof c.callThreadNice === 'number' ? [c.callThreadNice] : [])))],
    turn_p50_ms: r1(summarise(perceived(o.turns)).median),
    turn_p50_ms_1room: r1(summarise(perceived(o.baselineTurns)).median),
    system_added_p50_ms: r1(summarise(systemAdded(o.turns)).median),
    system_added_p50_ms_1room: r1(summarise(systemAdded(o.baselineTurns)).median),
    rss_mb_per_job: r1(summarise(o.calls.map((c) => c.maxRssMb)).median),
    cpu_pct_per_job: r1(summarise(o.calls.map((c) => c.cpuPct)).median),
    heard_gaps_per_min: gapsPerMinute(sumGaps(o.rooms.flatMap((r) => (r.heard ? [r.heard] : [])))),
    heard_gaps_per_min_1room: o.baselineHeard ? gapsPerMinute(o.baselineHeard) : null,
    ...audible(o.calls),
    audible_gaps_1room: o.baselineCalls?.length ? audible(o.baselineCalls).audible_gaps : null,
    ...holesHeard(o.rooms),
    capture_wait_p999_ms: r1(maxOf(o.calls.map((c) => c.pacer.captureWaitP999Ms ?? null))),
    capture_wait_p999_ms_median_job: r1(
      summarise(o.calls.flatMap((c) => (c.pacer.captureWaitP999Ms === undefined ? [] : [c.pacer.captureWaitP999Ms]))).median,
    ),
    per_room_answered: perRoom,
    error_list: errorList,
  };
}

/** The callers' audible holes over these calls, from the jobs' pacers. */
function audible(calls: CallSummary[]): Pick<LoadFigures, 'audible_gaps' | 'audible_gap_ms_per_min'> {
  const gaps = calls.reduce((n, c) => n + (c.pacer.audibleGaps ?? 0), 0);
  const gapMs = calls.reduce((n, c) => n + (c.pacer.audibleGapMs ?? 0), 0);
  const audioMin = calls.reduce((n, c) => n + (c.pacer.audioMs ?? 0), 0) / 60_000;
  return { audible_gaps: gaps, audible_gap_ms_per_min: audioMin > 0 ? r1(gapMs / audioMin) : null };
}

function sumGaps(gs: Gaps[]): Gaps {
  return gs.reduce((a, g) => ({ gaps: a.gaps + g.gaps, gap_ms: a.gap_ms + g.gap_ms, received_ms: a.received_ms + g.received_ms }), {
    gaps: 0,
    gap_ms: 0,
    received_ms: 0,
  });
}

/** The rooms' holes as their callers heard them, summed (null when no room's answers were known). */
function holesHeard(rooms: readonly RoomOutcome[]): Pick<LoadFigures, 'heard_holes' | 'heard_hole_ms_per_min'> {
  const known = rooms.flatMap((r) => (r.holesHeard ? [r.holesHeard] : []));
  if (known.length === 0) return { heard_holes: null, heard_hole_ms_per_min: null };
  const answerMin = known.reduce((n, h) => n + h.answerMs, 0) / 60_000;
  return {
    heard_holes: known.reduce((n, h) => n + h.holes, 0),
    heard_hole_ms_per_min: answerMin > 0 ? r1(known.reduce((n, h) => n + h.ms, 0) / answerMin) : null,
  };
}
