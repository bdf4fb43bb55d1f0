import { describe, expect, it } from 'vitest';
import type { CallSummary } from '../../agent/metrics/call-summary.js';
import { newTurn, type TurnRecord } from '../../agent/metrics/record.js';
import { loadFigures } from './figures.js';

const turn = (room: string, n: number, perceived: number | null, status: TurnRecord['status'] = 'completed'): TurnRecord => ({
  ...newTurn({ callId: room, room, turn: n, transport: 'webrtc', vadMode: 'local' }),
  status,
  speechEndAt: 1000,
  firstFrameAt: perceived === null ? null : 1000 + perceived,
});

const summary = (room: string, over: Partial<CallSummary> = {}): CallSummary => ({
  callId: room,
  room,
  pid: 4242,
  transport: 'webrtc',
  vadMode: 'local',
  jobStartedAt: 0,
  callerJoinedAt: 0,
  endedAt: 60_000,
  turns: 2,
  completedTurns: 2,
  pacer: {
    framesOut: 3000,
    underruns: 0,
    sinkErrors: 0,
    cadenceP999Ms: 1.2,
    cadenceMaxMs: 3,
    audibleGaps: 0,
    audibleGapMs: 0,
    audioMs: 60_000,
    captureWaitP999Ms: 1,
    captureWaitMaxMs: 2,
  },
  eventLoopP999Ms: 4,
  eventLoopMaxMs: 9,
  callThreadNice: -10,
  rssStartMb: 150,
  rssMb: 160,
  maxRssMb: 170,
  cpuPct: 12,
  handlesAtStart: 10,
  handlesAtEnd: 10,
  contextUpdates: 2,
  contextUnwritten: 0,
  realtimeReconnects: { planned: 0, dropped: 0 },
  ...over,
});

describe('loadFigures', () => {
  it('takes the worst job’s tails, the median job’s cost, and latency from answered turns only', () => {
    const f = loadFigures({
      rooms: [
        { room: 'a', agentJoined: true, heard: { gaps: 2, gap_ms: 40, received_ms: 20_000 } },
        { room: 'b', agentJoined: true, heard: { gaps: 4, gap_ms: 90, received_ms: 40_000 } },
      ],
      baselineHeard: { gaps: 1, gap_ms: 20, received_ms: 30_000 },
      baselineCalls: [summary('base')],
      turns: [turn('a', 1, 500), turn('a', 2, 700), turn('b', 1, 600), turn('b', 2, 9000, 'cancelled')],
      calls: [
        summary('a', {
          maxRssMb: 170,
          cpuPct: 10,
          pacer: {
            framesOut: 1,
            underruns: 0,
            sinkErrors: 0,
            cadenceP999Ms: 1.5,
            cadenceMaxMs: 2,
            audibleGaps: 1,
            audibleGapMs: 20,
            audioMs: 60_000,
            captureWaitP999Ms: 1,
            captureWaitMaxMs: 2,
          },
        }),
        summary('b', {
          maxRssMb: 190,
          cpuPct: 14,
          onsetInputLateMaxMs: 38,
          line: {
            jitterBuffer: { intervals: 40, p50Ms: 80, maxMs: 900, maxAtS: 6, heldS: 4, series: [], acceleratedMs: 120, concealedMs: 0 },
          },
          pacer: {
            framesOut: 1,
            underruns: 2,
            sinkErrors: 0,
            cadenceP999Ms: 4.5,
            cadenceMaxMs: 6,
            audibleGaps: 3,
            audibleGapMs: 100,
            audioMs: 60_000,
            captureWaitP999Ms: 1,
            captureWaitMaxMs: 2,
          },
        }),
      ],
      baselineTurns: [turn('base', 1, 450), turn('base', 2, 550)],
    });
    expect(f).toMatchObject({
      rooms: 2,
      answered_turns: 3,
      errors: 0,
      pacer_p999_ms: 4.5,
      pacer_underruns: 2,
      eventloop_p999_ms: 4,
      onset_input_late_max_ms: 38, // b's; a recorded none
      jitter_buffer_max_ms: 900, // b's; a is no LiveKit call (no jitter-buffer figures)
      jitter_buffer_p50_ms_median_job: 80,
      turn_p50_ms: 600,
      turn_p50_ms_1room: 500,
      rss_mb_per_job: 180,
      cpu_pct_per_job: 12,
      heard_gaps_per_min: 6, // 6 holes in 60 s of sound
      heard_gaps_per_min_1room: 2,
      // the pacers' holes: 4 in all, 120 ms over 2 minutes of answer audio; none in the room alone
      audible_gaps: 4,
      audible_gap_ms_per_min: 60,
      audible_gaps_1room: 0,
    });
    expect(f.pacer_p999_ms_median_job).toBe(3); // (1.5 + 4.5) / 2
    // no room's answers known (a deployment's): no receiver-side figure, not a zero
    expect(f.heard_holes).toBeNull();
    expect(f.heard_hole_ms_per_min).toBeNull();
  });

  it('sums the holes the callers heard over the rooms whose answers are known, per minute of answer heard', () => {
    const f = loadFigures({
      rooms: [
        { room: 'a', agentJoined: true, holesHeard: { holes: 2, ms: 90, answerMs: 40_000 } },
        { room: 'b', agentJoined: true, holesHeard: { holes: 0, ms: 0, answerMs: 20_000 } },
        { room: 'c', agentJoined: false, error: 'the agent to join: timed out' },
      ],
      turns: [],
      calls: [],
      baselineTurns: [],
    });
    expect(f.heard_holes).toBe(2);
    expect(f.heard_hole_ms_per_min).toBe(90); // 90 ms over one minute of answer audio
  });

  it('counts every way a room or job can fail', () => {
    const f = loadFigures({
      rooms: [
        { room: 'joined-but-silent', agentJoined: true },
        { room: 'no-agent', agentJoined: false, error: 'the agent to join: timed out' },
        { room: 'ok', agentJoined: true },
      ],
      turns: [turn('ok', 1, 500), turn('ok', 2, null, 'failed')],
      calls: [
        summary('joined-but-silent'),
        summary('ok', {
          contextUnwritten: 1,
          pacer: {
            framesOut: 1,
            underruns: 0,
            sinkErrors: 3,
            cadenceP999Ms: 1,
            cadenceMaxMs: 1,
            audibleGaps: 0,
            audibleGapMs: 0,
            audioMs: 0,
            captureWaitP999Ms: 1,
            captureWaitMaxMs: 2,
          },
        }),
      ],
      baselineTurns: [],
    });
    expect(f.error_list).toEqual([
      'joined-but-silent: no answered turn',
      'no-agent: the agent to join: timed out',
      'no-agent: no call summary (the job did not end cleanly)',
      'ok turn 2: failed',
      'ok: 3 pacer sink errors',
      'ok: 1 context updates not written',
    ]);
    expect(f.errors).toBe(6);
    expect(f.turn_p50_ms_1room).toBeNull();
  });
});
