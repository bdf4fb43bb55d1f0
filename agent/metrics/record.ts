import type { VadMode } from '../config/config.js';

/** The line a call came in on: a browser (LiveKit WebRTC), LiveKit SIP, or a Twilio Media Streams WebSocket. */
export type Transport = 'webrtc' | 'sip' | 'twilio_ws';

/** How a turn ended. */
export type TurnStatus =
  | 'completed' // the answer played out
  | 'cancelled' // the caller barged in, or spoke again before the answer started
  | 'stale' // superseded before its response.create was sent
  | 'refused' // the Realtime API refused the response
  | 'timeout' // the active response did not finish in time to send ours
  | 'failed' // the response failed or the socket dropped
  | 'empty' // too little audio to commit
  | 'echo'; // the agent's own voice coming back (agent/audio/echo.ts): cleared, not answered

/**
 * One caller turn, every moment as wall-clock ms (Date.now()) or null when it did not happen.
 * Perceived latency = firstFrameAt − speechEndAt: from the caller's true end of speech (the last
 * voiced hop, from the local VAD in every mode) to the first frame of the answer handed to the room.
 */
export interface TurnRecord {
  callId: string;
  room: string;
  turn: number;
  transport: Transport;
  vadMode: VadMode;
  speechStartAt: number | null;
  /** End of the last voiced hop (local VAD): the true speech end. */
  speechEndAt: number | null;
  /** When the turn end was decided (local gate after its hangover, or the server's speech_stopped). */
  endDetectedAt: number | null;
  commitSentAt: number | null;
  commitAckAt: number | null;
  responseRequestedAt: number | null;
  responseCreatedAt: number | null;
  firstDeltaAt: number | null;
  firstFrameAt: number | null;
  responseDoneAt: number | null;
  responseId: string | null;
  status: TurnStatus;
  /**
   * Why the answer failed, as the API said: status_details.error.code of a failed response, the
   * reason of an incomplete one (max_output_tokens, content_filter), or the refusal's code.
   */
  errorCode: string | null;
  bargeIn: boolean;
  /** When the caller's speech stopped this turn's answer (the pacer was flushed), if it did. */
  bargeInAt: number | null;
  /** What the caller had heard of the answer at that moment (the truncate position), ms. */
  heardMs: number | null;
  underruns: number;
  /**
   * How well the turn matched the agent's own output (0..1) and at what delay (ms), for every turn
   * the echo detector could compare (status `echo` when it matched).
   */
  echo?: { score: number | null; lagMs: number | null };
  /**
   * How late the hop that started this turn's speech was read, behind the caller audio's own pace
   * (agent/audio/input-lateness.ts): what a stalled loop adds to the barge-in it detects, which
   * speechStartAt and bargeInAt cannot show (both are stamped as the hop is read). Local gate only.
   */
  onsetInputLateMs?: number;
  /** Event-loop delay of the job process since the previous turn. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /**
   * The job process's memory as the turn ended, MB (process.memoryUsage()): resident, the JS heap
   * reserved and in use, memory outside the heap (Buffers, ArrayBuffers, native objects V8 knows of) and the
   * ArrayBuffers' share of it; and how the heap's reservation splits (v8.getHeapSpaceStatistics).
   * Over a call, which of them grows tells a JS leak from a native one, and live objects from a
   * heap that sized itself up.
   */
  memoryMb?: {
    rss: number;
    heapTotal: number;
    heapUsed: number;
    external: number;
    arrayBuffers: number;
    /** The heap's young generation (new_space) and old generation (old_space) as reserved, MB. */
    newSpace?: number;
    oldSpace?: number;
  };
}

export function newTurn(base: Pick<TurnRecord, 'callId' | 'room' | 'turn' | 'transport' | 'vadMode'>): TurnRecord {
  return {
    ...base,
    speechStartAt: null,
    speechEndAt: null,
    endDetectedAt: null,
    commitSentAt: null,
    commitAckAt: null,
    responseRequestedAt: null,
    responseCreatedAt: null,
    firstDeltaAt: null,
    firstFrameAt: null,
    responseDoneAt: null,
    responseId: null,
    status: 'completed',
    errorCode: null,
    bargeIn: false,
    bargeInAt: null,
    heardMs: null,
    underruns: 0,
    eventLoopP99Ms: 0,
    eventLoopMaxMs: 0,
  };
}

/** Derived figures, as the report computes them. */
export function perceivedMs(t: TurnRecord): number | null {
  return t.firstFrameAt !== null && t.speechEndAt !== null ? t.firstFrameAt - t.speechEndAt : null;
}
