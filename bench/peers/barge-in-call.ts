import { rmsOf } from '../../agent/audio/pcm.js';
import { ANSWER_RMS, callerTurns, type CallerTurn } from '../../callers/caller-latency.js';
import { sleep, until } from '../../callers/wait.js';
import type { HeardChunk } from '../../callers/webrtc.js';
import { endCall, joinWithAgent } from '../../callers/webrtc-leg.js';
import { speechOnsetAt, trailingSilenceMs } from '../../speech/clips.js';
import type { LoadTarget } from '../load/target.js';
import type { JitterBufferFigures } from '../../agent/transports/livekit/jitter-buffer.js';

const MIC_RATE = 48_000;

/** What one call of bench:peers lived, on the caller's own clock. */
export interface PeerCallResult {
  room: string;
  agent: string;
  turns: CallerTurn[];
  /** Ms of the old answer heard after the caller started speaking over it (null: no barge-in made). */
  bargeInLeakMs: number | null;
  /** When each turn's speech began (its first sound left the caller), as `turns`. */
  speechOnsets: number[];
  heard: HeardChunk[];
  listenRate: number;
  /** Wall ms the caller started speaking over the answer, and when that interruption's speech ended. */
  bargeIn: { onsetAt: number; endAt: number } | null;
  /** How long the agent's audio waited in the caller's own jitter buffer (part of `turns`' latency). */
  callerJitterBuffer: JitterBufferFigures | null;
}

/**
 * Ms of the agent's sound (chunks above ANSWER_RMS) heard from the caller's speech onset to the
 * end of its interruption. Neither agent answers before the caller's speech has ended, so anything
 * voiced in that span is the old answer going on.
 */
export function leakMs(heard: readonly HeardChunk[], rate: number, onsetAt: number, endAt: number): number {
  let ms = 0;
  for (const c of heard) {
    if (c.at <= onsetAt || c.at > endAt) continue;
    if (rmsOf(c.samples) > ANSWER_RMS) ms += (c.samples.length / rate) * 1000;
  }
  return Math.round(ms);
}

/**
 * One caller of bench:peers: dispatches `agent` into `room`, asks the questions in turn with
 * `gapMs` after each, and once per call (over the first answer) speaks `interruption`
 * `bargeInAfterMs` after that answer's first sound reached it. Until `untilMs`, wall clock.
 */
export async function runBargeInCall(
  target: LoadTarget,
  o: {
    room: string;
    agent: string;
    questions: Int16Array[];
    interruption: Int16Array;
    gapMs: number;
    bargeInAfterMs: number;
    untilMs: number;
  },
): Promise<PeerCallResult> {
  const { bot } = await joinWithAgent(target, { room: o.room, identity: `caller-${o.room}`, agentName: o.agent, joinTimeoutMs: 60_000 });
  try {
    await sleep(500);
    const speechEnds: number[] = [];
    const onsets: number[] = [];
    let bargeIn: PeerCallResult['bargeIn'] = null;
    let tried = false;
    const tails = o.questions.map((q) => trailingSilenceMs(q, MIC_RATE));
    for (let asked = 0; Date.now() < o.untilMs; asked++) {
      const i = asked % o.questions.length;
      const saidAt = await bot.say(o.questions[i]!);
      speechEnds.push(saidAt - tails[i]!);
      onsets.push(speechOnsetAt(saidAt, o.questions[i]!, MIC_RATE));
      if (!tried) {
        tried = true;
        const heardAt = await until('the first answer', () => bot.firstSoundAfter(saidAt, ANSWER_RMS), 20_000).catch(() => null);
        if (heardAt !== null) {
          await sleep(Math.max(0, heardAt + o.bargeInAfterMs - Date.now()));
          // say() resolves when the clip's last sample leaves the microphone: its onset is a clip earlier
          const endedAt = await bot.say(o.interruption);
          const onsetAt = speechOnsetAt(endedAt, o.interruption, MIC_RATE);
          const endAt = endedAt - trailingSilenceMs(o.interruption, MIC_RATE);
          bargeIn = { onsetAt, endAt };
          speechEnds.push(endAt);
          onsets.push(onsetAt);
        }
      }
      await sleep(o.gapMs);
    }
    return {
      room: o.room,
      agent: o.agent,
      turns: callerTurns(speechEnds, bot.heard),
      speechOnsets: onsets,
      bargeInLeakMs: bargeIn ? leakMs(bot.heard, bot.listenRate, bargeIn.onsetAt, bargeIn.endAt) : null,
      heard: bot.heard,
      listenRate: bot.listenRate,
      bargeIn,
      callerJitterBuffer: bot.jitterBuffer?.record.figures() ?? null,
    };
  } finally {
    await endCall(target, o.room, bot);
  }
}
