import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../callers/wait.js';
import { startRedis } from '../../stack/redis.js';
import type { Service } from '../../stack/service.js';
import type { ThinkerReport } from '../thinkers/dispatcher.js';
import type { CallSummary } from './call-summary.js';
import { WorkerMetrics } from './prometheus.js';
import { newTurn, type TurnRecord } from './record.js';
import { RecordFollower } from './record-follower.js';
import { CALL_STREAM, THINKER_STREAM, TURN_STREAM } from './recorder.js';

const PORT = 6950 + (process.pid % 40);
let redis: Service | null;
beforeAll(async () => {
  redis = await startRedis(PORT);
});
afterAll(async () => redis?.stop());

const answered = (over: Partial<TurnRecord> = {}): TurnRecord => ({
  ...newTurn({ callId: 'c', room: 'r', turn: 1, transport: 'sip', vadMode: 'local' }),
  speechEndAt: 1000,
  endDetectedAt: 1200,
  responseRequestedAt: 1210,
  firstDeltaAt: 1610,
  firstFrameAt: 1700,
  ...over,
});

const call = {
  transport: 'sip',
  pacer: { cadenceP999Ms: 4, underruns: 2, audibleGaps: 3, audibleGapMs: 80 },
  eventLoopP999Ms: 7,
} as CallSummary;
const thinker: ThinkerReport = { domain: 'weather', query: 'q', callId: 'x', outcome: 'spoken', cached: true, ms: 1500 };

/** One sample's value from the text format (labels as written, sorted as prom-client writes them). */
async function value(m: WorkerMetrics, sample: string): Promise<number> {
  const line = (await m.registry.metrics()).split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

describe('WorkerMetrics', () => {
  it('counts turns, latency, barge-ins, errors, calls and thinkers from the records', async () => {
    const m = new WorkerMetrics(() => 3);
    m.turn(answered());
    m.turn(answered({ status: 'cancelled', bargeIn: true, firstFrameAt: null }));
    m.turn(answered({ status: 'failed', errorCode: 'server_error', firstFrameAt: null }));
    m.call(call);
    m.thinker(thinker);
    expect(await value(m, 'parley_calls_active')).toBe(3);
    expect(await value(m, 'parley_turns_total{transport="sip",vad_mode="local",status="completed"}')).toBe(1);
    expect(await value(m, 'parley_turns_total{transport="sip",vad_mode="local",status="cancelled"}')).toBe(1);
    // one answered turn: 700 ms perceived, 400 ms of it the model's
    expect(await value(m, 'parley_turn_latency_seconds_count{transport="sip",vad_mode="local"}')).toBe(1);
    expect(await value(m, 'parley_turn_latency_seconds_sum{transport="sip",vad_mode="local"}')).toBeCloseTo(0.7);
    expect(await value(m, 'parley_model_latency_seconds_sum{transport="sip",vad_mode="local"}')).toBeCloseTo(0.4);
    expect(await value(m, 'parley_system_added_seconds_sum{transport="sip",vad_mode="local"}')).toBeCloseTo(0.3);
    expect(await value(m, 'parley_barge_ins_total{transport="sip"}')).toBe(1);
    expect(await value(m, 'parley_realtime_errors_total{code="server_error"}')).toBe(1);
    expect(await value(m, 'parley_calls_total{transport="sip"}')).toBe(1);
    expect(await value(m, 'parley_pacer_underruns_total')).toBe(2);
    expect(await value(m, 'parley_audible_gaps_total')).toBe(3);
    expect(await value(m, 'parley_audible_gap_seconds_total')).toBeCloseTo(0.08);
    expect(await value(m, 'parley_thinker_tasks_total{domain="weather",outcome="spoken"}')).toBe(1);
    expect(await value(m, 'parley_thinker_cache_hits_total{domain="weather"}')).toBe(1);
    expect(await value(m, 'parley_thinker_latency_seconds_sum{domain="weather"}')).toBeCloseTo(1.5);
  });
});

describe('RecordFollower', () => {
  it("hands over new entries of this worker's jobs only, from the three streams", async () => {
    const w = new Redis(`redis://127.0.0.1:${PORT}`);
    // written before the follower started: not counted (it follows from now on)
    await w.xadd(TURN_STREAM, '*', 'json', JSON.stringify(answered()), 'worker', 'host:1');
    const got: string[] = [];
    const f = new RecordFollower(`redis://127.0.0.1:${PORT}`, 'host:1', {
      turn: (t) => got.push(`turn ${t.status}`),
      call: (c) => got.push(`call ${c.transport}`),
      thinker: (r) => got.push(`thinker ${r.domain}`),
    });
    await new Promise((r) => setTimeout(r, 300)); // its first XREAD is waiting
    await w.xadd(TURN_STREAM, '*', 'json', JSON.stringify(answered({ status: 'failed' })), 'worker', 'host:1');
    await w.xadd(TURN_STREAM, '*', 'json', JSON.stringify(answered()), 'worker', 'host:2'); // another worker's
    await w.xadd(CALL_STREAM, '*', 'json', JSON.stringify(call), 'worker', 'host:1');
    await w.xadd(THINKER_STREAM, '*', 'json', JSON.stringify(thinker), 'worker', 'host:1');
    await w.xadd(TURN_STREAM, '*', 'json', '{not json', 'worker', 'host:1');
    await until('the entries', () => got.length >= 3, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(got.sort()).toEqual(['call sip', 'thinker weather', 'turn failed']);
    f.close();
    w.disconnect();
  });
});
