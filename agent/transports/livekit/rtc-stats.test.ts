import { describe, expect, it } from 'vitest';
import { inboundAudioCounters } from './rtc-stats.js';

type Stats = Parameters<typeof inboundAudioCounters>[0];

/** An inbound-rtp entry as rtc-node returns it (counts as bigint). */
const inbound = (kind: string, lastPacket: number, emitted: bigint) => ({
  stats: {
    case: 'inboundRtp' as const,
    value: {
      stream: { kind },
      inbound: {
        lastPacketReceivedTimestamp: lastPacket,
        jitterBufferDelay: 12.5,
        jitterBufferTargetDelay: 8,
        jitterBufferEmittedCount: emitted,
        totalSamplesReceived: 200n,
        concealedSamples: 3n,
        removedSamplesForAcceleration: 4n,
      },
    },
  },
});
const other = { stats: { case: 'transport' as const, value: {} } };
const stats = (publisher: unknown[], subscriber: unknown[] = []) =>
  ({ publisherStats: publisher, subscriberStats: subscriber }) as unknown as Stats;

describe("the caller's audio counters from rtc-node's session statistics", () => {
  it('finds the received audio under either peer connection, as numbers', () => {
    // LiveKit's single peer connection lists what it receives with the publisher's statistics
    expect(inboundAudioCounters(stats([other, inbound('audio', 10, 100n)]))).toEqual({
      jitterBufferDelay: 12.5,
      jitterBufferTargetDelay: 8,
      jitterBufferEmittedCount: 100,
      totalSamplesReceived: 200,
      concealedSamples: 3,
      removedSamplesForAcceleration: 4,
    });
    expect(inboundAudioCounters(stats([], [inbound('audio', 10, 7n)]))?.jitterBufferEmittedCount).toBe(7);
  });

  it('takes the audio stream that received last, never video; none gives null', () => {
    const s = stats([inbound('audio', 10, 1n), inbound('video', 99, 2n)], [inbound('audio', 20, 3n)]);
    expect(inboundAudioCounters(s)?.jitterBufferEmittedCount).toBe(3);
    expect(inboundAudioCounters(stats([other, inbound('video', 5, 1n)]))).toBeNull();
  });
});
