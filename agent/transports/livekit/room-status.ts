import type { LocalParticipant } from '@livekit/rtc-node';
import { log } from '../../log.js';
import type { TurnRecord } from '../../metrics/record.js';

import { ATTR_STATE, ATTR_THINKER, TOPIC_TRANSCRIPT, TOPIC_TURN, type AgentState, type TranscriptMessage } from '../../status-protocol.js';

export type { AgentState };

/**
 * Tells the caller's app what the agent is doing, over LiveKit itself: the agent participant's
 * attributes carry the state (latest value wins, late joiners see it), reliable data messages
 * carry transcripts and finished turn records. Fire-and-forget: a failed update is logged, never
 * allowed to stall the call.
 */
export class RoomStatus {
  #state: AgentState | null = null;
  #thinker = '';

  constructor(private readonly local: LocalParticipant) {}

  setState(state: AgentState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#attrs();
  }

  setThinker(domain: string | null): void {
    const v = domain ?? '';
    if (v === this.#thinker) return;
    this.#thinker = v;
    this.#attrs();
  }

  transcript(role: 'user' | 'agent', text: string, turn: number, seq: number): void {
    const msg: TranscriptMessage = { role, text, turn, seq };
    this.#send(TOPIC_TRANSCRIPT, msg);
  }

  turn(record: TurnRecord): void {
    this.#send(TOPIC_TURN, record);
  }

  #attrs(): void {
    this.local
      .setAttributes({ [ATTR_STATE]: this.#state ?? 'listening', [ATTR_THINKER]: this.#thinker })
      .catch((e: Error) => log.debug({ err: e.message }, 'status attributes not sent'));
  }

  #send(topic: string, payload: unknown): void {
    const data = new TextEncoder().encode(JSON.stringify(payload));
    this.local
      .publishData(data, { reliable: true, topic })
      .catch((e: Error) => log.debug({ err: e.message, topic }, 'status message not sent'));
  }
}
