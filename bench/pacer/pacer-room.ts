import {
  type AudioSource,
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
import { countGaps, loudWindows, type Gaps } from '../../report/heard-gaps.js';

/** Where the shards connect: livekit-server's URL and its dev keys (plain data, sent to child processes). */
export interface RoomTarget {
  url: string;
  apiKey: string;
  apiSecret: string;
}

const LISTEN_RATE = 24_000;

/**
 * Joins a room, retrying: with dozens of WebRTC connections opening at once on two cores, one
 * peer connection can miss rtc-node's connect timeout (`wait_pc_connection`). A retry is the
 * production answer too, and the bench's subject is the audio after connect, not the connect.
 */
export async function join(target: RoomTarget, room: string, identity: string, attempts = 3): Promise<Room> {
  for (let attempt = 1; ; attempt++) {
    const at = new AccessToken(target.apiKey, target.apiSecret, { identity, ttl: '10m' });
    at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
    const r = new Room();
    try {
      await r.connect(target.url, await at.toJwt(), { autoSubscribe: true, dynacast: false });
      return r;
    } catch (err) {
      await r.disconnect().catch(() => {});
      if (attempt >= attempts) throw new Error(`${identity} could not join ${room} after ${attempts} attempts: ${String(err)}`);
      await new Promise((res) => setTimeout(res, 500 * attempt));
    }
  }
}

/** Publishes each AudioSource as its own participant's microphone track (one participant per call, as a job does). */
export async function publishSources(target: RoomTarget, roomName: string, sources: AudioSource[], prefix: string): Promise<Room[]> {
  const publishers: Room[] = [];
  for (const [i, src] of sources.entries()) {
    const r = await join(target, roomName, `${prefix}-${i}`);
    const opts = new TrackPublishOptions();
    opts.source = TrackSource.SOURCE_MICROPHONE;
    await r.localParticipant!.publishTrack(LocalAudioTrack.createAudioTrack(`pacer-${i}`, src), opts);
    publishers.push(r);
  }
  return publishers;
}

export interface HeardGaps extends Gaps {
  tracks: number;
}

/**
 * A receiving participant that subscribes to every audio track in a room and keeps, per track,
 * one loud/silent flag per 10 ms window: what a caller would hear, judged for gaps.
 */
export async function listen(target: RoomTarget, roomName: string, identity = 'receiver') {
  const room = await join(target, roomName, identity);
  const heard = new Map<string, boolean[]>();
  const reading: Promise<void>[] = [];
  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, p) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const windows: boolean[] = [];
    heard.set(p.identity, windows);
    reading.push(
      (async () => {
        for await (const f of new AudioStream(track, { sampleRate: LISTEN_RATE, numChannels: 1, frameSizeMs: 10 })) {
          windows.push(...loudWindows(f.data, LISTEN_RATE));
        }
      })().catch(() => {}),
    );
  });
  return {
    get tracks(): number {
      return heard.size;
    },
    gaps(): HeardGaps {
      const total = { gap_ms: 0, gaps: 0, received_ms: 0, tracks: heard.size };
      for (const loud of heard.values()) {
        const g = countGaps(loud);
        total.gap_ms += g.gap_ms;
        total.gaps += g.gaps;
        total.received_ms += g.received_ms;
      }
      return total;
    },
    async close(): Promise<void> {
      await room.disconnect().catch(() => {});
      await Promise.race([Promise.allSettled(reading), new Promise((r) => setTimeout(r, 1000))]);
    },
  };
}
