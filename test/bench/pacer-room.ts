import { AudioSource, AudioStream, LocalAudioTrack, Room, RoomEvent, TrackKind, TrackPublishOptions, TrackSource, type RemoteTrack } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import type { TestStack } from '../harness/stack.js';

const LISTEN_RATE = 24_000;

/** What a receiving participant got from one publisher: 10 ms windows, with arrival time and RMS. */
interface Heard {
  windows: { at: number; rms: number }[];
}

async function join(stack: TestStack, room: string, identity: string): Promise<Room> {
  const at = new AccessToken(stack.apiKey, stack.apiSecret, { identity, ttl: '10m' });
  at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
  const r = new Room();
  await r.connect(stack.url, await at.toJwt(), { autoSubscribe: true, dynacast: false });
  return r;
}

/**
 * Publishes each AudioSource as its own participant's track in one real room (livekit-server,
 * WebRTC/Opus), and listens to all of them from one receiving participant, so what the pacer hands
 * over can be judged where a caller hears it.
 */
export async function publishThroughRoom(stack: TestStack, roomName: string, sources: AudioSource[]) {
  const receiver = await join(stack, roomName, 'receiver');
  const heard = new Map<string, Heard>();
  const listening: Promise<void>[] = [];
  receiver.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, p) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const h: Heard = { windows: [] };
    heard.set(p.identity, h);
    listening.push(
      (async () => {
        for await (const f of new AudioStream(track, { sampleRate: LISTEN_RATE, numChannels: 1, frameSizeMs: 10 })) {
          let acc = 0;
          for (let i = 0; i < f.samplesPerChannel; i++) acc += f.data[i]! * f.data[i]!;
          h.windows.push({ at: performance.now(), rms: Math.sqrt(acc / f.samplesPerChannel) });
        }
      })().catch(() => {}),
    );
  });
  const publishers: Room[] = [];
  for (const [i, src] of sources.entries()) {
    const r = await join(stack, roomName, `pub-${i}`);
    const opts = new TrackPublishOptions();
    opts.source = TrackSource.SOURCE_MICROPHONE;
    await r.localParticipant!.publishTrack(LocalAudioTrack.createAudioTrack(`pacer-${i}`, src), opts);
    publishers.push(r);
  }
  const deadline = Date.now() + 30_000;
  while (heard.size < sources.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (heard.size < sources.length) throw new Error(`receiver subscribed to ${heard.size} of ${sources.length} tracks`);

  return {
    /**
     * Gaps inside responses as received: silent 10 ms windows (RMS < 150, the signal's is ~2000)
     * within a loud run, where a silence of ≥ 180 ms is the pause between responses (≥ 200 ms here).
     */
    gaps(): { gap_ms: number; gaps: number; received_ms: number } {
      let gapMs = 0;
      let gaps = 0;
      let received = 0;
      for (const h of heard.values()) {
        const loud = h.windows.map((w) => w.rms >= 150);
        received += loud.filter(Boolean).length * 10;
        let i = loud.indexOf(true);
        while (i >= 0 && i < loud.length) {
          let j = i;
          while (j < loud.length && loud[j]) j++; // loud run
          let k = j;
          while (k < loud.length && !loud[k]) k++; // the silence after it
          const silentMs = (k - j) * 10;
          if (k < loud.length && silentMs < 180) {
            gapMs += silentMs;
            gaps++;
          }
          i = k < loud.length ? k : -1;
        }
      }
      return { gap_ms: gapMs, gaps, received_ms: received };
    },
    async close() {
      for (const r of publishers) await r.disconnect().catch(() => {});
      await receiver.disconnect().catch(() => {});
      await Promise.race([Promise.allSettled(listening), new Promise((r) => setTimeout(r, 1000))]);
    },
  };
}
