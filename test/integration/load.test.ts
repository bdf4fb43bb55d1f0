import { describe, expect, it } from 'vitest';
import { lastJsonLine, runTs } from '../support/run-node.js';

/**
 * `npm run load` and `npm run soak` at CI size. Each runner starts its own stack (in this
 * namespace) and is judged by its JSON line: what a person running it reads.
 */

describe('load and soak runners', () => {
  it('3 rooms × 30 s: every room answered, no job error, figures from every job, where their loops went', async () => {
    // The calls' threads at the inherited priority: here the callers share the two cores with the
    // jobs (in production they are elsewhere), and three calls saturate them; jobs at −10 then
    // outrank the callers, whose questions arrive broken (a CI run lost a room that way). The
    // setting's plumbing is checked instead; what −10 does is measured pinned (docs/deployment.md).
    // Questions 7 s apart (after each question's end) so that answers end before the next one:
    // at the runner's default (5.5 s) the next question often barges into the answer, and a CI run
    // had a room with one answered turn of four.
    const run = await runTs(
      ['bench/load/main.ts', '--rooms', '3', '--duration', '30', '--baseline-s', '15', '--gap-ms', '7000', '--profile'],
      {
        PARLEY_CALL_THREAD_NICE: '0',
      },
    );
    expect(run.code, run.out.slice(-3000)).toBe(0);
    const r = lastJsonLine(run.out);
    expect(r.rooms).toBe(3);
    expect(r.errors, JSON.stringify(r.error_list)).toBe(0);
    expect(Object.values(r.per_room_answered as Record<string, number>)).toHaveLength(3);
    for (const n of Object.values(r.per_room_answered as Record<string, number>)) expect(n).toBeGreaterThanOrEqual(2);
    for (const k of ['pacer_p999_ms', 'eventloop_p999_ms', 'turn_p50_ms', 'turn_p50_ms_1room', 'rss_mb_per_job', 'cpu_pct_per_job']) {
      expect(r[k], k).toBeGreaterThan(0);
    }
    // sampled while it ran: every job process found and tied to its room, the machine's CPU split by role
    const jobs = r.per_job_sampled as {
      room: string;
      seconds: number;
      cpu_pct_p50: number;
      rss_mb_max: number;
      threads: Record<string, number>;
    }[];
    expect(jobs.map((j) => j.room).sort()).toEqual(Object.keys(r.per_room_answered as object).sort());
    for (const j of jobs) {
      expect(j.seconds).toBeGreaterThanOrEqual(20);
      expect(j.cpu_pct_p50).toBeGreaterThan(0);
      expect(j.rss_mb_max).toBeGreaterThan(50);
      expect(Object.keys(j.threads).length).toBeGreaterThan(1);
    }
    for (const role of ['job', 'livekit-server', 'runner']) expect(r.cpu_pct_by_role[role], role).toBeGreaterThan(0);
    // the control ran beside the jobs for the whole phase: ~50 ticks a second, its tail a figure
    expect(r.control_p999_ms).toBeGreaterThanOrEqual(r.control_p50_ms);
    expect(r.control_max_ms).toBeGreaterThanOrEqual(r.control_p999_ms - 1);
    expect(Number.isFinite(r.control_p999_ms)).toBe(true);
    // what the callers heard was measured (speech has pauses, so only presence is asserted here)
    expect(r.heard_gaps_per_min).not.toBeNull();
    // and what of it was a hole inside an answer, by the jobs' own pacers (speech's pauses left out)
    expect(r.audible_gaps).toBeGreaterThanOrEqual(0);
    expect(r.audible_gap_ms_per_min).not.toBeNull();
    // and the same as the callers heard them, their answers warped onto the PCM the stand-in sent
    expect(Number.isInteger(r.heard_holes)).toBe(true);
    expect(r.heard_hole_ms_per_min).not.toBeNull();
    // each call's thread ran at the value asked for, and the control at the same value
    expect(r.call_thread_nice).toEqual([0]);
    expect(r.control_nice).toBe(0);
    // every call was profiled, and its stalls were split by cause: rtc-node's events and the VAD
    // run on every call's loop, so they are in any call's stalls
    expect(r.stall_profiles_missing).toBe(0);
    const causes = r.stall_causes as { cause: string; stallMs: number }[];
    for (const c of ['rtc-node FFI events + protobuf', 'TEN VAD model (onnxruntime-node run)'])
      expect(causes.find((x) => x.cause === c)?.stallMs, c).toBeGreaterThan(0);
    expect(r.stall_p999_ms).toBeGreaterThan(0);
    // and over the whole call, the JS thread's CPU by cause: the VAD model runs 62.5 times a
    // second on every call, so it has a share; the shares add up to the busy total
    const cpu = r.js_thread_cpu_causes as { cause: string; pctOfCore: number }[];
    expect(cpu.find((x) => x.cause === 'TEN VAD model (onnxruntime-node run)')?.pctOfCore).toBeGreaterThan(0);
    expect(r.js_thread_busy_pct).toBeGreaterThan(0);
    expect(Math.abs(cpu.reduce((a, x) => a + x.pctOfCore, 0) - r.js_thread_busy_pct)).toBeLessThan(1);
    // cold and warm dispatch were both timed (which is sooner is a figure of the benchmark, not a
    // test's: on a shared CI machine warm read 1604 ms against cold's 1580 once, 2026-12-02)
    expect(r.dispatch_to_join_warm_ms).toBeGreaterThan(0);
    expect(r.dispatch_to_join_cold_ms).toBeGreaterThan(0);
  }, 600_000);

  it('holes made in every answer are found, in place and of their length, by the pacer and by the callers', async () => {
    // two stalls in each answer of the local stand-in; answers that end before the next question
    // (a 7 s gap), so each is heard whole
    const run = await runTs([
      'bench/load/main.ts',
      ...['--rooms', '1', '--duration', '30', '--baseline-s', '3', '--no-cold-warm', '--gap-ms', '7000'],
      ...['--inject-holes', '800:90,1900:140'],
    ]);
    expect(run.code, run.out.slice(-3000)).toBe(0);
    const r = lastJsonLine(run.out);
    // three questions in 30 s; at least two answers heard past both stalls
    expect(r.injected_holes_expected).toBeGreaterThanOrEqual(4);
    expect(r.injected_holes_found).toBe(r.injected_holes_expected);
    // and nothing else: a hole of the call's own would be a real one (one, on a busy machine, is
    // tolerated: the capacity sweep met one in 30 s of one call)
    expect(r.injected_holes_other).toBeLessThanOrEqual(1);
    expect(r.heard_holes).toBe(r.injected_holes_found + r.injected_holes_other);
    // the sender's side: the pacer ran dry at each stall it played (every stall heard was played;
    // the last answer, cut off by the call's end, may have played stalls no caller's window holds)
    expect(r.audible_gaps).toBeGreaterThanOrEqual(r.injected_holes_expected);
    expect(r.audible_gaps).toBeLessThanOrEqual(r.injected_holes_expected + 2 + 1);
  }, 300_000);

  it('soak: calls that keep coming lose no context write and end every job', async () => {
    const run = await runTs(['bench/load/soak.ts', '--rooms', '2', '--minutes', '1', '--call-s', '20']);
    expect(run.code, run.out.slice(-3000)).toBe(0);
    const r = lastJsonLine(run.out);
    expect(r.calls).toBeGreaterThanOrEqual(4);
    expect(r.job_summaries).toBe(r.calls);
    expect(r.context_sessions_stored).toBe(r.context_sessions_sent);
    expect(r.context_updates_unwritten).toBe(0);
    expect(r.worker_rss_mb_end).toBeGreaterThan(0);
    expect(r.errors).toBe(0);
  }, 600_000);
});
