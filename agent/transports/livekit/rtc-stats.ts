import type { Room } from '@livekit/rtc-node';
import { type InboundAudioCounters, type JitterBufferInterval, JitterBufferMonitor } from './jitter-buffer.js';

type SessionStats = Awaited<ReturnType<Room['getRtcStats']>>;

/**
 * The inbound-rtp counters of the audio the agent receives, from a room's session statistics
 * (both lists: LiveKit's single peer connection puts what is received under the publisher's).
 * A call's room sends the agent one audio stream, the caller's; were there more, the one that
 * received a packet last. Null if there is none.
 */
export function inboundAudioCounters(stats: SessionStats): InboundAudioCounters | null {
  const audio = [...stats.publisherStats, ...stats.subscriberStats].flatMap((s) =>
    s.stats.case === 'inboundRtp' && s.stats.value.stream?.kind === 'audio' && s.stats.value.inbound ? [s.stats.value.inbound] : [],
  );
  const i = audio.sort((x, y) => (y.lastPacketReceivedTimestamp ?? 0) - (x.lastPacketReceivedTimestamp ?? 0))[0];
  if (!i) return null;
  const n = (x: number | bigint | undefined) => Number(x ?? 0);
  return {
    jitterBufferDelay: n(i.jitterBufferDelay),
    jitterBufferTargetDelay: n(i.jitterBufferTargetDelay),
    jitterBufferEmittedCount: n(i.jitterBufferEmittedCount),
    totalSamplesReceived: n(i.totalSamplesReceived),
    concealedSamples: n(i.concealedSamples),
    removedSamplesForAcceleration: n(i.removedSamplesForAcceleration),
  };
}

/** Watches the jitter buffer of the audio `room` receives, once a second, until stopped or the room is gone. */
export function watchJitterBuffer(room: Room, onHeld?: (held: boolean, i: JitterBufferInterval) => void): JitterBufferMonitor {
  return new JitterBufferMonitor(async () => inboundAudioCounters(await room.getRtcStats()), onHeld);
}
