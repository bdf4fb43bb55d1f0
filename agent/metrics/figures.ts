import type { TurnRecord } from './record.js';

/** The figures of one answered turn, in ms. */
export interface TurnFigures {
  group: string;
  transport: string;
  vadMode: string;
  /** Caller's true speech end (local VAD, every mode) → first frame of the answer handed to the room. */
  perceived: number;
  /** Speech end → the server acknowledged the committed audio: what deciding the turn costs. */
  commit: number | null;
  /**
   * The model's own latency: our response.create (local mode) or the server's end of turn
   * (server-VAD mode, where the server creates the response itself) → first audio delta.
   */
  model: number;
  /** perceived − model: what the system (VAD, network, pacer) adds on top of the model. */
  systemAdded: number;
}

export type Exclusion = 'not_completed' | 'no_speech_end' | 'no_first_frame' | 'no_model_anchor';

/** Derives a turn's figures, or says why the turn cannot count. */
export function figuresOf(t: TurnRecord): TurnFigures | { excluded: Exclusion } {
  if (t.status !== 'completed') return { excluded: 'not_completed' };
  if (t.speechEndAt === null) return { excluded: 'no_speech_end' };
  if (t.firstFrameAt === null || t.firstDeltaAt === null) return { excluded: 'no_first_frame' };
  const anchor = t.responseRequestedAt ?? t.endDetectedAt ?? t.responseCreatedAt;
  if (anchor === null) return { excluded: 'no_model_anchor' };
  const perceived = t.firstFrameAt - t.speechEndAt;
  const model = t.firstDeltaAt - anchor;
  return {
    group: `${t.transport}/${t.vadMode}`,
    transport: t.transport,
    vadMode: t.vadMode,
    perceived,
    commit: t.commitAckAt !== null ? t.commitAckAt - t.speechEndAt : null,
    model,
    systemAdded: perceived - model,
  };
}
