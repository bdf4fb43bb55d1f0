import { describe, expect, it } from 'vitest';
import { brokenGoals } from './capacity.js';

const held = {
  rooms: 3,
  errors: 0,
  pacer_p999_ms: 1.9,
  eventloop_p999_ms: 4.2,
  control_p999_ms: 1,
  audible_gaps: 0,
  cpu_pct_per_call: 12,
  rss_mb_per_job: 180,
  rss_mb_total: 700,
  core_busy_pct: [40, 30],
  turn_p50_ms: 800,
};

describe('the capacity goals', () => {
  it('hold when every figure is within them', () => {
    expect(brokenGoals(held)).toEqual([]);
  });

  it('name each goal a run broke', () => {
    expect(brokenGoals({ ...held, pacer_p999_ms: 2.1 })).toEqual(['pacer p99.9 2.1 ms > 2 × control 1 ms']);
    expect(brokenGoals({ ...held, eventloop_p999_ms: 5.5, audible_gaps: 2 })).toEqual(['event loop p99.9 5.5 ms > 5 ms', '2 audible gaps']);
    expect(brokenGoals({ ...held, errors: 1 })).toEqual(['1 errors']);
  });

  it('count a run without a pacer or loop figure (no job reported) as broken', () => {
    expect(brokenGoals({ ...held, pacer_p999_ms: null, eventloop_p999_ms: null })).toHaveLength(2);
  });
});
