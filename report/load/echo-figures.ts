import type { TurnRecord } from '../../agent/metrics/record.js';
import { summarise } from '../stats.js';

/** One room of an lk-style echo run, as its echo participant saw it (wall ms). */
export interface EchoRoomOutcome {
  room: string;
  dispatchAt?: number;
  /** The agent seen in the room, its audio track subscribed (what lk prints), its first sound heard. */
  agentJoinedAt?: number;
  trackSubscribedAt?: number;
  firstSoundAt?: number | null;
  endedByAgent?: boolean;
  /** Dispatch → the participant left. */
  callMs?: number;
  echoedMs?: number;
  droppedMs?: number;
  error?: string;
}

export interface EchoRoomRow {
  room: string;
  join_ms: number | null;
  subscribed_ms: number | null;
  first_sound_ms: number | null;
  turns: number;
  echo_turns: number;
  answered: number;
  other_turns: string;
  ended_by_agent: boolean;
  call_s: number | null;
  echoed_s: number | null;
  /** Echo the participant dropped rather than send late (it was starved of CPU). */
  dropped_s: number | null;
}

const delta = (a: number | undefined | null, b: number | undefined) => (a === undefined || a === null || b === undefined ? null : a - b);
const r1 = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);

/**
 * What `lk perf agent-load-test` prints per room (dispatch → agent joined, → its track subscribed),
 * and what the agent made of its echo, from its own turn records: every caller turn of these rooms
 * should be the agent's own voice (status `echo`), none answered.
 */
export function echoFigures(rooms: readonly EchoRoomOutcome[], turns: readonly TurnRecord[]) {
  const rows: EchoRoomRow[] = rooms.map((r) => {
    const mine = turns.filter((t) => t.room === r.room);
    const other = new Map<string, number>();
    for (const t of mine) if (t.status !== 'echo' && t.status !== 'completed') other.set(t.status, (other.get(t.status) ?? 0) + 1);
    return {
      room: r.room,
      join_ms: delta(r.agentJoinedAt, r.dispatchAt),
      subscribed_ms: delta(r.trackSubscribedAt, r.dispatchAt),
      first_sound_ms: delta(r.firstSoundAt, r.dispatchAt),
      turns: mine.length,
      echo_turns: mine.filter((t) => t.status === 'echo').length,
      answered: mine.filter((t) => t.status === 'completed').length,
      other_turns: [...other].map(([k, v]) => `${k} ${v}`).join(', '),
      ended_by_agent: r.endedByAgent === true,
      call_s: r.callMs === undefined ? null : r1(r.callMs / 1000),
      echoed_s: r.echoedMs === undefined ? null : r1(r.echoedMs / 1000),
      dropped_s: r.droppedMs === undefined ? null : r1(r.droppedMs / 1000),
    };
  });
  const p50 = (k: 'join_ms' | 'subscribed_ms' | 'first_sound_ms') =>
    r1(summarise(rows.flatMap((r) => (r[k] === null ? [] : [r[k]]))).median);
  const perRoom = (k: 'turns' | 'echo_turns' | 'answered') => Object.fromEntries(rows.map((r) => [r.room, r[k]]));
  return {
    echo_rooms: rooms.length,
    agents_joined: rows.filter((r) => r.join_ms !== null).length,
    agent_join_delay_p50_ms: p50('join_ms'),
    agent_track_subscribed_p50_ms: p50('subscribed_ms'),
    dispatch_to_first_sound_p50_ms: p50('first_sound_ms'),
    turns_per_room: perRoom('turns'),
    echo_turns_per_room: perRoom('echo_turns'),
    answered_per_room: perRoom('answered'),
    echo_turns: rows.reduce((n, r) => n + r.echo_turns, 0),
    calls_ended_by_agent: rows.filter((r) => r.ended_by_agent).length,
    rows,
  };
}
