import { describe, expect, it } from 'vitest';
import { newTurn, type TurnRecord } from '../../agent/metrics/record.js';
import { echoFigures } from './echo-figures.js';

const turn = (room: string, n: number, status: TurnRecord['status']): TurnRecord => ({
  ...newTurn({ callId: room, room, turn: n, transport: 'webrtc', vadMode: 'local' }),
  status,
});

describe('echoFigures', () => {
  it("gives lk's per-room times and what the agent made of its echo", () => {
    const f = echoFigures(
      [
        {
          room: 'room-0-a',
          dispatchAt: 0,
          agentJoinedAt: 900,
          trackSubscribedAt: 1000,
          firstSoundAt: 2500,
          endedByAgent: true,
          callMs: 58_000,
        },
        { room: 'room-1-b', dispatchAt: 10, agentJoinedAt: 1110, trackSubscribedAt: 1300, firstSoundAt: null, endedByAgent: false },
        { room: 'room-2-c', error: 'timed out waiting for the agent to join' },
      ],
      [
        turn('room-0-a', 1, 'cancelled'),
        turn('room-0-a', 2, 'echo'),
        turn('room-0-a', 3, 'echo'),
        turn('room-1-b', 1, 'completed'),
        turn('x', 1, 'echo'),
      ],
    );
    expect(f).toMatchObject({
      echo_rooms: 3,
      agents_joined: 2,
      agent_join_delay_p50_ms: 1000,
      agent_track_subscribed_p50_ms: 1145,
      dispatch_to_first_sound_p50_ms: 2500,
      turns_per_room: { 'room-0-a': 3, 'room-1-b': 1, 'room-2-c': 0 },
      echo_turns_per_room: { 'room-0-a': 2, 'room-1-b': 0, 'room-2-c': 0 },
      answered_per_room: { 'room-0-a': 0, 'room-1-b': 1, 'room-2-c': 0 },
      echo_turns: 2,
      calls_ended_by_agent: 1,
    });
    expect(f.rows[0]).toMatchObject({ other_turns: 'cancelled 1', call_s: 58 });
  });
});
