import { EventEmitter } from 'node:events';
import {
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  ParticipantKind,
  type RemoteParticipant,
  type RemoteTrack,
  type Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import type { AudioOutput, CallStatus, CallTransport, CallTransportEvents } from '../../call/transport.js';
import type { Transport } from '../../metrics/record.js';
import { PACER_SAMPLE_RATE, sourceQueueMs } from '../../pacer/playback.js';
import { VAD_SAMPLE_RATE } from '../../vad/types.js';
import { log } from '../../log.js';
import type { JitterBufferMonitor } from './jitter-buffer.js';
import { watchJitterBuffer } from './rtc-stats.js';
import { RoomStatus } from './room-status.js';

/** How long the agent's voice waits for the caller's audio to be subscribed before it is published anyway. */
const CALLER_AUDIO_WAIT_MS = 1_000;

/** What the line needs of the job: ending it, and the carrier's transfer of a SIP participant. */
export interface RoomLineHost {
  /** The agent ends the call: the job ends, then the room goes (which hangs up a phone caller). */
  hangUp(reason: string): void;
  /** LiveKit SIP's TransferSIPParticipant for this room's caller (a REFER towards the caller). */
  transferSip(participantIdentity: string, target: string): Promise<void>;
}

/**
 * A call in a LiveKit room: a browser caller over WebRTC or a phone caller through LiveKit SIP.
 * The caller's audio track (bound again when they publish a new one) is resampled and framed into
 * VAD hops natively by rtc-node's AudioStream; the agent's voice goes out through a published
 * AudioSource; the caller's app is told the agent's state over the room (RoomStatus); SIP keys
 * arrive as DtmfReceived.
 */
export class RoomLine extends EventEmitter<CallTransportEvents> implements CallTransport {
  readonly kind: Transport;
  readonly callId: string;
  readonly room: string;
  readonly userId: string;
  readonly callerJoinedAt = Date.now();
  readonly status: CallStatus;
  /** How long the caller's audio waits in the jitter buffer, from the first input on. */
  #jitter: JitterBufferMonitor | null = null;

  constructor(
    private readonly lkRoom: Room,
    private readonly caller: RemoteParticipant,
    jobId: string,
    private readonly host: RoomLineHost,
  ) {
    super();
    this.kind = caller.kind === ParticipantKind.SIP ? 'sip' : 'webrtc';
    this.callId = caller.attributes['sip.callID'] ?? jobId;
    this.room = lkRoom.name ?? '';
    this.userId = userIdOf(caller, this.kind);
    this.status = new RoomStatus(lkRoom.localParticipant!);
  }

  /**
   * The agent's voice, published once the agent hears the caller: their audio track is subscribed
   * (~100 ms after the job joined, here). A caller who starts talking when the agent's voice
   * appears is then heard from the first word; published first, that start would reach no one.
   * Bounded, for a caller whose track does not come.
   */
  async openOutput(leadFrames: number): Promise<AudioOutput> {
    await this.#callerAudioSubscribed(CALLER_AUDIO_WAIT_MS);
    const source = new AudioSource(PACER_SAMPLE_RATE, 1, sourceQueueMs(leadFrames));
    const track = LocalAudioTrack.createAudioTrack('parley-voice', source);
    const publishOptions = new TrackPublishOptions();
    publishOptions.source = TrackSource.SOURCE_MICROPHONE;
    try {
      await this.lkRoom.localParticipant!.publishTrack(track, publishOptions);
    } catch (e) {
      await source.close();
      throw e;
    }
    return source;
  }

  /** Until every audio track the caller has published is subscribed, at most `ms`. */
  #callerAudioSubscribed(ms: number): Promise<void> {
    const pending = () => [...this.caller.trackPublications.values()].some((p) => p.kind === TrackKind.KIND_AUDIO && !p.track);
    if (!pending()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.lkRoom.off(RoomEvent.TrackSubscribed, check);
        resolve();
      };
      const check = () => {
        if (!pending()) done();
      };
      const timer = setTimeout(done, ms);
      this.lkRoom.on(RoomEvent.TrackSubscribed, check);
    });
  }

  start(hopSize: number): void {
    const frameSizeMs = (hopSize / VAD_SAMPLE_RATE) * 1000;
    const bind = (t: RemoteTrack, p: RemoteParticipant) => {
      if (p.identity !== this.caller.identity || t.kind !== TrackKind.KIND_AUDIO) return;
      const hops = new AudioStream(t, { sampleRate: VAD_SAMPLE_RATE, numChannels: 1, frameSizeMs });
      this.#jitter ??= watchJitterBuffer(this.lkRoom, (held, i) =>
        log.info(
          { delayMs: Math.round(i.delayMs), targetMs: Math.round(i.targetMs) },
          held ? "the caller's audio is held in the jitter buffer" : 'the jitter buffer is back to its usual wait',
        ),
      );
      this.emit('input', { source: t, hops });
    };
    this.lkRoom.on(RoomEvent.TrackSubscribed, (t, _pub, p) => bind(t, p));
    this.lkRoom.on(RoomEvent.TrackUnsubscribed, (t, _pub, p) => {
      if (p.identity === this.caller.identity) this.emit('input-ended', t);
    });
    for (const pub of this.caller.trackPublications.values()) {
      if (pub.track) bind(pub.track as RemoteTrack, this.caller);
    }
    // BYE for SIP, the tab closed for WebRTC
    this.lkRoom.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      if (p.identity !== this.caller.identity) return;
      this.#jitter?.stop();
      this.emit('hung-up', 'caller hung up');
    });
    this.lkRoom.on(RoomEvent.DtmfReceived, (_code, digit, p) => {
      if (p?.identity === this.caller.identity) this.emit('dtmf', digit);
    });
  }

  /** The line's own figures for the call summary: the caller's audio's wait in the jitter buffer. */
  figures(): Record<string, unknown> {
    this.#jitter?.stop();
    return { jitterBuffer: this.#jitter?.record.figures() ?? null };
  }

  hangUp(reason: string): void {
    this.host.hangUp(reason);
  }

  async transfer(target: string): Promise<void> {
    if (this.kind !== 'sip') throw new Error('a browser caller cannot be transferred to a phone');
    await this.host.transferSip(this.caller.identity, target);
    this.emit('hung-up', 'transferred');
  }
}

function userIdOf(p: RemoteParticipant, transport: Transport): string {
  if (transport === 'sip') {
    const number = p.attributes['sip.phoneNumber'];
    if (number) return `tel:${number}`;
  }
  // set by our token server inside the signed token, so the browser cannot choose it
  return p.attributes['parley.user_id'] || `lk:${p.identity}`;
}
