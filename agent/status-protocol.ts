/**
 * The contract between the agent and the caller's page, over LiveKit itself: the agent
 * participant's attributes carry its state, reliable data messages carry transcripts and finished
 * turn records. No imports, so the browser bundle can share it (web-client/src).
 */

/** What the page shows as the agent's state. */
export type AgentState = 'listening' | 'user_speaking' | 'thinking' | 'speaking';

export const ATTR_STATE = 'parley.state';
/** The thinker domain working right now, or '' when none. */
export const ATTR_THINKER = 'parley.thinker';

/** Payload `{ role: 'user' | 'agent', text, turn, seq }`. */
export const TOPIC_TRANSCRIPT = 'parley.transcript';
/** Payload: a TurnRecord (agent/turns/record.ts). */
export const TOPIC_TURN = 'parley.turn';

export interface TranscriptMessage {
  role: 'user' | 'agent';
  text: string;
  turn: number;
  /**
   * The line's place in the conversation: the caller's words are transcribed after they are
   * committed and can arrive after the answer to them, so the page orders by this, not by arrival.
   */
  seq: number;
}
