import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type RemoteTrack,
} from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { concatPcm, rmsOf } from '../agent/audio/pcm.js';
import type { JitterBufferMonitor } from '../agent/transports/livekit/jitter-buffer.js';
import { watchJitterBuffer } from '../agent/transports/livekit/rtc-stats.js';

const MIC_RATE = 48_000;
const MIC_FRAME = MIC_RATE / 100; // 10 ms, like a browser's capture
const LISTEN_RATE = 24_000;

/** One chunk of what the caller heard, stamped when it came out of the room. */
export interface HeardChunk {
  at: number;
  samples: Int16Array;
}

export interface CallerOptions {
  url: string;
  room: string;
  identity: string;
  apiKey: string;
  apiSecret: string;
  /** Rate the agent's audio is recorded at (default 24 kHz; 48 kHz to play it back into the room). */
  listenRate?: number;
}

/**
 * A test caller over real WebRTC (@livekit/rtc-node): a microphone that, like a real one, never
 * stops sending (silence between utterances), and an ear that records the agent's audio with
 * arrival times.
 */
export class CallerBot {
  readonly heard: HeardChunk[] = [];
  readonly #room = new Room();
  #listenRate = LISTEN_RATE;
  readonly #source = new AudioSource(MIC_RATE, 1, 40);
  #queue: Int16Array[] = [];
  #queueOffset = 0;
  #micRunning = true;
  #mic: Promise<void> = Promise.resolve();
  #waiters: { remaining: number; resolve: (endedAt: number) => void }[] = [];
  #listening: Promise<void>[] = [];
  agentIdentity: string | null = null;
  /** Wall ms: another participant (the agent) first seen in the room; its audio track subscribed; it left. */
  participantSeenAt: number | null = null;
  trackSubscribedAt: number | null = null;
  participantLeftAt: number | null = null;
  /** How long the agent's audio waits in this caller's own jitter buffer: part of what the caller waits for an answer. */
  jitterBuffer: JitterBufferMonitor | null = null;

  static async join(o: CallerOptions): Promise<CallerBot> {
    const bot = new CallerBot();
    await bot.#connect(o);
    return bot;
  }

  async #connect(o: CallerOptions): Promise<void> {
    const at = new AccessToken(o.apiKey, o.apiSecret, { identity: o.identity, ttl: '10m' });
    at.addGrant({ room: o.room, roomJoin: true, canPublish: true, canSubscribe: true });
    this.#listenRate = o.listenRate ?? LISTEN_RATE;
    this.#room.on(RoomEvent.ParticipantConnected, () => {
      this.participantSeenAt ??= Date.now();
    });
    this.#room.on(RoomEvent.ParticipantDisconnected, () => {
      this.participantLeftAt ??= Date.now();
    });
    this.#room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant) => {
      if (track.kind !== TrackKind.KIND_AUDIO) return;
      this.trackSubscribedAt ??= Date.now();
      this.agentIdentity = participant.identity;
      this.jitterBuffer ??= watchJitterBuffer(this.#room);
      this.#listening.push(this.#listen(track));
    });
    await this.#room.connect(o.url, await at.toJwt(), { autoSubscribe: true, dynacast: false });
    // an agent already in the room is seen from the start
    if (this.#room.remoteParticipants.size > 0) this.participantSeenAt ??= Date.now();
    const track = LocalAudioTrack.createAudioTrack('mic', this.#source);
    const opts = new TrackPublishOptions();
    opts.source = TrackSource.SOURCE_MICROPHONE;
    await this.#room.localParticipant!.publishTrack(track, opts);
    this.#mic = this.#runMic();
  }

  /** Speaks `samples` (mono int16 at `rate`, resampled by the caller to 48 kHz first). Resolves at its last sample. */
  say(samples48k: Int16Array): Promise<number> {
    this.#queue.push(samples48k);
    const remaining = this.#queued();
    return new Promise((resolve) => this.#waiters.push({ remaining, resolve }));
  }

  /** Everything heard after `since` (wall ms), concatenated. */
  heardSince(since: number): Int16Array {
    return concatPcm(this.heard.filter((c) => c.at >= since).map((c) => c.samples));
  }

  /** Arrival time of the first 20 ms window after `since` whose RMS exceeds `rms` (int16 units). */
  firstSoundAfter(since: number, rms = 300): number | null {
    return firstSoundAfter(this.heard, since, rms);
  }

  get listenRate(): number {
    return this.#listenRate;
  }

  /** Ms of speech queued for the microphone, not yet sent. */
  get queuedMs(): number {
    return (this.#queued() / MIC_RATE) * 1000;
  }

  /** Still in the room (false once the room was deleted or the call left). */
  get connected(): boolean {
    return this.#room.isConnected;
  }

  /** Leaves the call; bounded, because a room the server already closed may never confirm. */
  async leave(): Promise<void> {
    const bounded = (p: Promise<unknown>, ms: number) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, ms))]);
    this.#micRunning = false;
    this.jitterBuffer?.stop();
    await bounded(this.#mic, 1000);
    if (this.#room.isConnected) await bounded(this.#room.disconnect(), 3000);
    await bounded(Promise.allSettled(this.#listening), 1000);
    await bounded(this.#source.close(), 1000);
  }

  #queued(): number {
    return this.#queue.reduce((n, q) => n + q.length, 0) - this.#queueOffset;
  }

  /** The microphone: a 10 ms frame at a time, paced by the AudioSource's small queue. */
  async #runMic(): Promise<void> {
    while (this.#micRunning) {
      const frame = new Int16Array(MIC_FRAME);
      let filled = 0;
      while (filled < MIC_FRAME && this.#queue.length > 0) {
        const head = this.#queue[0]!;
        const n = Math.min(MIC_FRAME - filled, head.length - this.#queueOffset);
        frame.set(head.subarray(this.#queueOffset, this.#queueOffset + n), filled);
        filled += n;
        this.#queueOffset += n;
        if (this.#queueOffset >= head.length) {
          this.#queue.shift();
          this.#queueOffset = 0;
        }
      }
      await this.#source.captureFrame(new AudioFrame(frame, MIC_RATE, 1, MIC_FRAME));
      if (filled > 0) {
        for (const w of this.#waiters) w.remaining -= filled;
        const done = this.#waiters.filter((w) => w.remaining <= 0);
        this.#waiters = this.#waiters.filter((w) => w.remaining > 0);
        // the frame is queued now; it leaves the source after the queue ahead of it (~40 ms)
        for (const w of done) w.resolve(Date.now() + this.#source.queuedDuration);
      }
    }
  }

  async #listen(track: RemoteTrack): Promise<void> {
    const stream = new AudioStream(track, { sampleRate: this.#listenRate, numChannels: 1 });
    for await (const frame of stream) {
      this.heard.push({ at: Date.now(), samples: new Int16Array(frame.data) });
    }
  }
}

/** Arrival time of the first heard chunk at or after `since` whose RMS exceeds `rms` (int16 units). */
export function firstSoundAfter(heard: readonly HeardChunk[], since: number, rms: number): number | null {
  for (const c of heard) {
    if (c.at < since) continue;
    if (rmsOf(c.samples) > rms) return c.at;
  }
  return null;
}
