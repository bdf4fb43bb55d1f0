import {
  type ConnectionState,
  type RemoteAudioTrack,
  Room,
  RoomEvent,
  Track,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
} from 'livekit-client';
import {
  ATTR_STATE,
  ATTR_THINKER,
  TOPIC_TRANSCRIPT,
  TOPIC_TURN,
  type AgentState,
  type TranscriptMessage,
} from '../../agent/status-protocol.js';
import { AudioMeter } from './audio-meter.js';
import { parseTranscript, parseTurn, type TurnView } from './messages.js';

/** What the page renders; ParleyCall only reports, it never touches the DOM. */
export interface CallView {
  connection(state: ConnectionState | 'requesting' | 'failed'): void;
  agentState(state: AgentState | 'absent'): void;
  thinker(domain: string): void;
  transcript(msg: TranscriptMessage): void;
  turn(t: TurnView): void;
  agentAudio(bytes: number, levelDb: number, peakDb: number): void;
  /** An <audio> element playing the agent, to be put in the page. */
  audioElement(el: HTMLMediaElement): void;
  error(message: string): void;
}

const AGENT_WAIT_MS = 15_000;

interface IssuedSession {
  url: string;
  token: string;
  room: string;
  identity: string;
}

/**
 * One call: asks the token server for a session (a fresh room with the agent dispatched), joins
 * it with the microphone, plays the agent, and turns the agent's attributes and data messages
 * into view updates.
 */
export class ParleyCall {
  #room: Room | null = null;
  #meter: AudioMeter | null = null;
  #stats: ReturnType<typeof setInterval> | null = null;
  #agentWait: ReturnType<typeof setTimeout> | null = null;
  /** The "agent has not joined" warning is showing. */
  #agentWarned = false;
  #bytes = 0;
  #level = -120;
  dropped = 0;

  constructor(private readonly view: CallView) {}

  async start(displayName?: string): Promise<void> {
    this.view.connection('requesting');
    const res = await fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(displayName ? { displayName } : {}),
    });
    const body = (await res.json().catch(() => ({}))) as Partial<IssuedSession> & { message?: string };
    if (!res.ok || !body.url || !body.token) {
      this.view.connection('failed');
      throw new Error(body.message ?? `the token server answered ${res.status}`);
    }
    const room = new Room({ adaptiveStream: false, dynacast: false });
    this.#room = room;
    room
      .on(RoomEvent.ConnectionStateChanged, (s) => this.view.connection(s))
      .on(RoomEvent.ParticipantConnected, (p) => this.#attrs(p))
      .on(RoomEvent.ParticipantAttributesChanged, (_changed, p) => this.#attrs(p))
      .on(RoomEvent.ParticipantDisconnected, (p) => {
        if (p.isAgent) this.view.agentState('absent');
      })
      .on(RoomEvent.TrackSubscribed, (t, _pub, p) => this.#track(t, p))
      .on(RoomEvent.DataReceived, (payload, _p, _kind, topic) => this.#data(payload, topic))
      .on(RoomEvent.Disconnected, () => this.#cleanup());
    await room.connect(body.url, body.token);
    for (const p of room.remoteParticipants.values()) this.#attrs(p);
    // the agent normally joins within a second; say so when it does not, rather than sit silent
    this.#agentWait = setTimeout(() => {
      if (this.#room && ![...this.#room.remoteParticipants.values()].some((p) => p.isAgent)) {
        this.#agentWarned = true;
        this.view.error('The agent has not joined yet: is a Parley worker running?');
      }
    }, AGENT_WAIT_MS);
    await room.localParticipant.setMicrophoneEnabled(true);
    await room.startAudio(); // inside the Call click, so autoplay is allowed
  }

  async hangUp(): Promise<void> {
    await this.#room?.disconnect();
    this.#cleanup();
  }

  #attrs(p: Participant): void {
    if (!p.isAgent) return;
    if (this.#agentWarned) {
      this.#agentWarned = false;
      this.view.error(''); // a late agent clears its warning, and only that
    }
    const state = p.attributes[ATTR_STATE];
    if (state) this.view.agentState(state as AgentState);
    this.view.thinker(p.attributes[ATTR_THINKER] ?? '');
  }

  #track(t: RemoteTrack, p: RemoteParticipant): void {
    if (t.kind !== Track.Kind.Audio || !p.isAgent) return;
    this.view.audioElement(t.attach());
    this.#meter?.close();
    this.#meter = new AudioMeter(t.mediaStreamTrack, (db, peak) => {
      this.#level = db;
      this.view.agentAudio(this.#bytes, db, peak);
    });
    if (this.#stats) clearInterval(this.#stats);
    this.#stats = setInterval(() => {
      void (t as RemoteAudioTrack).getReceiverStats().then((s) => {
        this.#bytes = s?.bytesReceived ?? this.#bytes;
        this.view.agentAudio(this.#bytes, this.#level, this.#meter?.peakDb ?? -120);
      });
    }, 1000);
  }

  #data(payload: Uint8Array, topic: string | undefined): void {
    if (topic === TOPIC_TRANSCRIPT) {
      const m = parseTranscript(payload);
      if (m) this.view.transcript(m);
      else this.dropped++;
    } else if (topic === TOPIC_TURN) {
      const t = parseTurn(payload);
      if (t) this.view.turn(t);
      else this.dropped++;
    }
  }

  #cleanup(): void {
    if (this.#agentWait) clearTimeout(this.#agentWait);
    this.#agentWait = null;
    this.#meter?.close();
    this.#meter = null;
    if (this.#stats) clearInterval(this.#stats);
    this.#stats = null;
    this.#room = null;
  }
}
