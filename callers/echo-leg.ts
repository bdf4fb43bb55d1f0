import { concatPcm } from '../agent/audio/pcm.js';
import type { TestStack } from '../stack/test-stack.js';
import { ANSWER_RMS } from './caller-latency.js';
import { sleep } from './wait.js';
import { endCall, joinWithAgent } from './webrtc-leg.js';

/** The echo participant's ear and mouth: 48 kHz, what its microphone sends, so nothing is resampled. */
const ECHO_RATE = 48_000;
/** How often due audio is moved from the ear to the microphone. */
const TICK_MS = 20;
/** Audio queued for the microphone beyond which more is dropped, not queued (ms). */
const MAX_BACKLOG_MS = 1000;

export interface EchoCallResult {
  room: string;
  /** Wall ms: dispatch created; the agent seen in the room; its audio track subscribed; its first sound heard (null: none). */
  dispatchAt: number;
  agentJoinedAt: number;
  trackSubscribedAt: number;
  firstSoundAt: number | null;
  /** The call ended because the agent left (its goodbye, the room deleted), not at `untilMs`. */
  endedByAgent: boolean;
  endedAt: number;
  /** Ms of the agent's audio played back into the room, and dropped (the microphone was behind). */
  echoedMs: number;
  droppedMs: number;
  redispatched: boolean;
}

/**
 * lk's echo participant (`lk perf agent-load-test`, livekit-cli pkg/loadtester), as an rtc-node
 * caller: joins the room as `echo-participant` after dispatching the agent by name, publishes an
 * Opus microphone, and plays whatever it hears of the agent back into the room `echoDelayMs` later
 * (the agent must speak first), until the agent leaves or `untilMs`. So the conversation is the
 * agent hearing its own voice.
 */
export async function runEchoParticipant(
  stack: Pick<TestStack, 'url' | 'apiKey' | 'apiSecret' | 'dispatch' | 'rooms'>,
  o: {
    room: string;
    echoDelayMs: number;
    untilMs: number;
    joinTimeoutMs?: number;
    identity?: string;
    /** The agent has joined (lk starts the next room then). */
    onAgentJoined?: () => void;
  },
): Promise<EchoCallResult> {
  const { bot, dispatchAt, agentJoinedAt, redispatched } = await joinWithAgent(stack, {
    room: o.room,
    identity: o.identity ?? 'echo-participant',
    joinTimeoutMs: o.joinTimeoutMs,
    listenRate: ECHO_RATE,
  });
  o.onAgentJoined?.();
  try {
    let next = 0; // the first heard chunk not yet played back
    let echoed = 0;
    let dropped = 0;
    for (;;) {
      const now = Date.now();
      if (!bot.connected || bot.participantLeftAt !== null || now >= o.untilMs) break;
      const due: Int16Array[] = [];
      while (next < bot.heard.length && bot.heard[next]!.at + o.echoDelayMs <= now) due.push(bot.heard[next++]!.samples);
      // a microphone that fell far behind (this process starved of CPU) drops what it cannot send
      // in time rather than queue it for ever: the echo's delay stays within a second of lk's
      // instead of drifting later and later (a hole is kept rare: it breaks the echo up)
      if (due.length && bot.queuedMs <= MAX_BACKLOG_MS) {
        const pcm = concatPcm(due);
        echoed += pcm.length;
        void bot.say(pcm);
      } else if (due.length) dropped += due.reduce((n, d) => n + d.length, 0);
      await sleep(TICK_MS);
    }
    return {
      room: o.room,
      dispatchAt,
      agentJoinedAt: bot.participantSeenAt ?? agentJoinedAt,
      trackSubscribedAt: agentJoinedAt,
      firstSoundAt: bot.firstSoundAfter(dispatchAt, ANSWER_RMS),
      endedByAgent: !bot.connected || bot.participantLeftAt !== null,
      endedAt: Date.now(),
      echoedMs: Math.round((echoed / ECHO_RATE) * 1000),
      droppedMs: Math.round((dropped / ECHO_RATE) * 1000),
      redispatched,
    };
  } finally {
    await endCall(stack, o.room, bot);
  }
}
