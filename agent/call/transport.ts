import type { EventEmitter } from 'node:events';
import type { HopFrame } from '../audio/caller-input.js';
import type { Transport } from '../metrics/record.js';
import type { FrameSink } from '../pacer/pacer.js';
import type { AgentState } from '../status-protocol.js';
import type { TurnRecord } from '../metrics/record.js';

/**
 * What a call needs of the line it runs on, owned here by the call (agent/call/call.ts) and
 * implemented by each transport: LiveKit rooms (browser and SIP participants,
 * agent/transports/livekit) and Twilio Media Streams (agent/transports/twilio). Nothing in the call
 * knows which one it is on beyond `kind`, which only labels the records.
 */
export interface CallTransport extends Pick<EventEmitter<CallTransportEvents>, 'on' | 'off'> {
  readonly kind: Transport;
  /** The carrier's id for the call (SIP Call-ID, Twilio CallSid), else the job's. */
  readonly callId: string;
  /** Where the call lives (the LiveKit room; Twilio's stream). */
  readonly room: string;
  /** Who the caller is, for their context: `tel:+…` for a phone number, a server-issued id otherwise. */
  readonly userId: string;
  /** Wall ms when the caller was there (joined the room, the stream started). */
  readonly callerJoinedAt: number;
  /** What the caller's app is told (state, transcripts, turns); a phone line has none to tell. */
  readonly status: CallStatus;
  /**
   * The agent's voice: a sink for the pacer's 24 kHz mono 20 ms frames, able to hold
   * `leadFrames + 1` frames ahead of the one playing. The call closes it last.
   */
  openOutput(leadFrames: number): Promise<AudioOutput>;
  /**
   * From now on the caller's voice comes as `input` events in hops of `hopSize` samples at
   * 16 kHz; one already there is delivered at once. Called once, first thing in the call, before
   * its stages exist (agent/call/held-line-events.ts): a stream must keep what the caller says
   * until the call reads it, not drop it.
   */
  start(hopSize: number): void;
  /** The agent ends the call for everyone (the caller's line is hung up). */
  hangUp(reason: string): void;
  /**
   * Hands the caller to a person at `target` (E.164 number or sip: URI). Resolves when the
   * carrier has taken the call over; after that the call ends (`hung-up` with reason 'transferred').
   */
  transfer(target: string): Promise<void>;
  /** The line's own counters for the call summary (Twilio: media, marks, their echo lag, gaps). */
  figures?(): Record<string, unknown>;
}

export interface CallTransportEvents {
  /** A new stream of the caller's voice; it replaces any before it. */
  input: [audio: CallerAudio];
  /** That stream ended while the caller is still there (a track unpublished, a device switch). */
  'input-ended': [source: unknown];
  /** The caller is gone (SIP BYE, tab closed, Twilio stop or socket closed), or the call was transferred. */
  'hung-up': [reason: string];
  /** A key the caller pressed: 0–9, *, #, A–D. */
  dtmf: [digit: string];
}

export interface CallerAudio {
  /** Tells this stream from the next (a LiveKit track), so a late end of an old one is ignored. */
  readonly source: unknown;
  readonly hops: ReadableStream<HopFrame>;
}

export interface AudioOutput extends FrameSink {
  readonly sampleRate: number;
  close(): Promise<void> | void;
}

export interface CallStatus {
  setState(state: AgentState): void;
  setThinker(domain: string | null): void;
  transcript(role: 'user' | 'agent', text: string, turn: number, seq: number): void;
  turn(record: TurnRecord): void;
}

/** For a line with no app to tell (a phone call over Twilio). */
export const NO_STATUS: CallStatus = {
  setState() {},
  setThinker() {},
  transcript() {},
  turn() {},
};
