import { describe, expect, it } from 'vitest';
import { newTurn } from '../../agent/metrics/record.js';
import { medianLatency, parseTranscript, parseTurn } from './messages.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('data messages from the agent', () => {
  it('reads a turn record the agent sends, latency from true speech end to first frame', () => {
    const rec = { ...newTurn({ callId: 'c', room: 'r', turn: 3, transport: 'webrtc', vadMode: 'local' }) };
    Object.assign(rec, {
      speechEndAt: 10_000,
      endDetectedAt: 10_300,
      responseRequestedAt: 10_310,
      firstDeltaAt: 10_600,
      firstFrameAt: 10_640,
    });
    expect(parseTurn(enc(rec))).toEqual({ turn: 3, status: 'completed', latencyMs: 640, modelMs: 290, bargeIn: false });
    const unanswered = { ...rec, firstFrameAt: null, firstDeltaAt: null, status: 'cancelled', bargeIn: true };
    expect(parseTurn(enc(unanswered))).toEqual({ turn: 3, status: 'cancelled', latencyMs: null, modelMs: null, bargeIn: true });
  });

  it('drops payloads that do not match instead of breaking the page', () => {
    for (const bad of ['{', '[]', 'null', { turn: 'x', status: 'completed' }, { turn: 1 }]) expect(parseTurn(enc(bad))).toBeNull();
    for (const bad of [
      { role: 'system', text: 'x', turn: 1, seq: 0 },
      { role: 'user', text: 3, turn: 1, seq: 0 },
      { role: 'user', text: 'x', turn: 1 },
      'nope',
    ])
      expect(parseTranscript(enc(bad))).toBeNull();
    expect(parseTranscript(enc({ role: 'agent', text: 'Hi', turn: 2, seq: 5 }))).toEqual({ role: 'agent', text: 'Hi', turn: 2, seq: 5 });
  });

  it('takes the median over answered turns only', () => {
    const t = (latencyMs: number | null) => ({ turn: 1, status: 'completed', latencyMs, modelMs: null, bargeIn: false });
    expect(medianLatency([t(500), t(null), t(700), t(600), t(900)])).toBe(650);
    expect(medianLatency([t(null)])).toBeNull();
  });
});
