import { describe, expect, it } from 'vitest';
import { lastJsonLine, runTs } from '../support/run-node.js';

/**
 * `npm run bench:peers` at its smallest: one call per agent, ~30 s. It starts its own stack (in
 * this namespace) and is judged by its JSON line, both groups with every key.
 */
const KEYS = ['caller_heard_p50_ms', 'barge_in_leak_p50_ms', 'audible_gap_ms_per_min', 'cpu_pct_per_call', 'rss_mb_per_call', 'calls'];

describe('bench:peers', () => {
  it("1 call per agent × 30 s: Parley answered, both agents' figures present", async () => {
    const run = await runTs(['bench/peers/main.ts', '--rooms', '1', '--duration', '30']);
    expect(run.code, run.out.slice(-3000)).toBe(0);
    const r = lastJsonLine(run.out);
    expect(Number.isFinite(r.control_p999_ms)).toBe(true);
    for (const group of ['parley', 'agents_js']) {
      const g = r[group] as Record<string, number | null>;
      expect(g, group).toBeDefined();
      for (const k of KEYS) expect(g, `${group}.${k}`).toHaveProperty(k);
      expect(g.calls, `${group}.calls`).toBeGreaterThanOrEqual(1);
      expect(g.asked_turns, `${group}.asked_turns`).toBeGreaterThanOrEqual(1);
      expect(g.cpu_pct_per_call, `${group}.cpu_pct_per_call`).toBeGreaterThan(0);
    }
    // Parley answers; stock agents-js is reported as it fares (on a loaded 2-core machine its job
    // has missed its Realtime connection: docs/deployment.md), so only its figures' presence is required
    expect(r.parley.caller_heard_p50_ms).toBeGreaterThan(0);
    expect(r.parley.answered_turns).toBeGreaterThanOrEqual(1);
    // Parley's pacer's own count beside what its callers heard; every hole heard is listed
    expect(Number.isInteger(r.parley.sender_audible_gaps)).toBe(true);
    for (const group of ['parley', 'agents_js']) expect(r[group].holes_heard).toHaveLength(r[group].audible_gaps);
    // the jitter buffers are read on the real path (rtc-node's statistics): every caller's, and
    // Parley's job's for each call; a wait is never 0 (NetEq holds at least a packet), nor seconds
    // with one call each
    const waits = [r.parley.jitter_buffer_p50_ms, r.parley.caller_jitter_buffer_p50_ms, r.agents_js.caller_jitter_buffer_p50_ms];
    for (const w of waits) {
      expect(w).toHaveLength(1);
      expect(w[0]).toBeGreaterThan(0);
      expect(w[0]).toBeLessThan(2000);
    }
    // each of Parley's callers' onsets set against its VAD's: at least the first question's
    expect(r.parley.onset_inbound_p50_ms).toEqual(expect.any(Number));
  }, 240_000);
});
