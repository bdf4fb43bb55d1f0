import type { TranscriptMessage } from '../../agent/status-protocol.js';

/** The part of the agent's TurnRecord (agent/turns/record.ts) the page shows. */
export interface TurnView {
  turn: number;
  status: string;
  /** Speech end (local VAD) → first frame of the answer, ms; null when no answer played. */
  latencyMs: number | null;
  /** Response requested → first audio delta from the model, ms. */
  modelMs: number | null;
  bargeIn: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Data messages are parsed defensively: a payload that does not match is dropped (and counted
 * by the caller), never allowed to break the page.
 */
export function parseTranscript(payload: Uint8Array): TranscriptMessage | null {
  const v = parse(payload);
  if (!v || (v.role !== 'user' && v.role !== 'agent') || typeof v.text !== 'string' || num(v.turn) === null || num(v.seq) === null)
    return null;
  return { role: v.role, text: v.text, turn: v.turn as number, seq: v.seq as number };
}

export function parseTurn(payload: Uint8Array): TurnView | null {
  const v = parse(payload);
  const turn = v ? num(v.turn) : null;
  if (!v || turn === null || typeof v.status !== 'string') return null;
  const end = num(v.speechEndAt);
  const frame = num(v.firstFrameAt);
  const delta = num(v.firstDeltaAt);
  const asked = num(v.responseRequestedAt) ?? num(v.endDetectedAt) ?? num(v.responseCreatedAt);
  return {
    turn,
    status: v.status,
    latencyMs: end !== null && frame !== null ? frame - end : null,
    modelMs: asked !== null && delta !== null ? delta - asked : null,
    bargeIn: v.bargeIn === true,
  };
}

/** Median of the turns that have a latency, or null. */
export function medianLatency(turns: readonly TurnView[]): number | null {
  const xs = turns
    .map((t) => t.latencyMs)
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
}

function parse(payload: Uint8Array): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(payload));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
