import { CallerBot, type HeardChunk } from './webrtc.js';
import { sleep, until } from './wait.js';
import type { TestStack } from '../stack/test-stack.js';
import { speechOnsetAt, trailingSilenceMs } from '../speech/clips.js';
import { ANSWER_RMS, callerTurns, type CallerTurn } from './caller-latency.js';

export interface LegResult {
  /** What the caller heard over the whole call, mono PCM16. */
  heard: Int16Array;
  sampleRate: number;
}

export interface WebrtcCallResult extends LegResult {
  room: string;
  /** Wall ms: dispatch created, agent joined the room, first sound of the first answer (null if none). */
  dispatchAt: number;
  agentJoinedAt: number;
  firstAnswerAt: number | null;
  asked: number;
  /** The first dispatch was not taken within 10 s and a second one was made. */
  redispatched: boolean;
  /**
   * Per question, on the caller's clock: when its speech ended (its last sample left the
   * microphone, less the clip's trailing silence) and when the first sound of the answer reached
   * it (null: none before the next question). The latency the caller lives, whatever any VAD thinks.
   */
  turns: CallerTurn[];
  /** Per question, when its speech began (its first sound left the microphone), as `turns`. */
  onsets: number[];
  /** `heard` as the chunks it arrived in, each with its arrival time (report/heard-answers.ts). */
  chunks: HeardChunk[];
}

type LegStack = Pick<TestStack, 'url' | 'apiKey' | 'apiSecret' | 'dispatch' | 'rooms'>;

/** A caller in a room with the agent: when it was dispatched, when it came. */
export interface JoinedCall {
  bot: CallerBot;
  dispatchAt: number;
  /** Wall ms the agent's audio track was subscribed (the agent is there and publishing). */
  agentJoinedAt: number;
  /** The first dispatch was not taken within 10 s and a second one was made. */
  redispatched: boolean;
}

/**
 * Dispatches the agent into `room` by name, joins as `identity`, and waits for the agent's audio.
 * On failure the caller has left and the room is deleted; on success both are the caller's to end
 * (`endCall`).
 */
export async function joinWithAgent(
  stack: LegStack,
  o: { room: string; identity: string; joinTimeoutMs?: number; listenRate?: number; agentName?: string },
): Promise<JoinedCall> {
  const dispatchAt = Date.now();
  // Parley's by default; bench:peers calls another agent on the same server by its name
  const agentName = o.agentName ?? 'parley';
  await stack.dispatch.createDispatch(o.room, agentName);
  const bot = await CallerBot.join({
    url: stack.url,
    room: o.room,
    identity: o.identity,
    apiKey: stack.apiKey,
    apiSecret: stack.apiSecret,
    listenRate: o.listenRate,
  });
  try {
    // LiveKit sometimes refuses a dispatch that lands just as another job on the same worker ends
    // ("no servers available", not retried; see the README): dispatch once more after 10 s.
    let redispatched = false;
    const joined = await until('the agent to join', () => bot.agentIdentity, 10_000).catch(() => null);
    // only when the server assigned no job at all (a slow job start is not a lost dispatch)
    const assigned = joined ? true : (await stack.dispatch.listDispatch(o.room)).some((d) => (d.state?.jobs.length ?? 0) > 0);
    if (!assigned) {
      redispatched = true;
      await stack.dispatch.createDispatch(o.room, agentName);
    }
    if (!joined) {
      await until('the agent to join', () => bot.agentIdentity, o.joinTimeoutMs ?? 30_000);
    }
    return { bot, dispatchAt, agentJoinedAt: bot.trackSubscribedAt ?? Date.now(), redispatched };
  } catch (e) {
    await endCall(stack, o.room, bot);
    throw e;
  }
}

/** The caller leaves and the room goes (it may be gone already: the agent ended the call). */
export async function endCall(stack: LegStack, room: string, bot: CallerBot): Promise<void> {
  await bot.leave();
  await stack.rooms.deleteRoom(room).catch(() => {});
}

/**
 * One WebRTC caller (rtc-node, Opus) in one room: dispatches the agent, joins, then asks the
 * questions in turn, each followed by `gapMs` of silence while the answer plays, for `turns`
 * questions or until `untilMs` (wall clock). The microphone keeps sending silence in between, as a
 * real one does.
 */
export async function runWebrtcCaller(
  stack: LegStack,
  o: { room: string; questions: Int16Array[]; gapMs: number; turns?: number; untilMs?: number; joinTimeoutMs?: number; identity?: string },
): Promise<WebrtcCallResult> {
  const { bot, dispatchAt, agentJoinedAt, redispatched } = await joinWithAgent(stack, {
    room: o.room,
    identity: o.identity ?? `caller-${o.room}`,
    joinTimeoutMs: o.joinTimeoutMs,
  });
  try {
    await sleep(500);
    const start = Date.now();
    let asked = 0;
    let firstAnswerAt: number | null = null;
    const more = () => (o.turns === undefined || asked < o.turns) && (o.untilMs === undefined || Date.now() < o.untilMs);
    const tails = o.questions.map((q) => trailingSilenceMs(q, 48_000));
    const ended: number[] = [];
    const onsets: number[] = [];
    while (more()) {
      const q = asked % o.questions.length;
      const saidAt = await bot.say(o.questions[q]!);
      ended.push(saidAt - tails[q]!);
      onsets.push(speechOnsetAt(saidAt, o.questions[q]!, 48_000));
      asked++;
      await sleep(o.gapMs);
      firstAnswerAt ??= bot.firstSoundAfter(saidAt, ANSWER_RMS);
    }
    const turns = callerTurns(ended, bot.heard);
    return {
      room: o.room,
      dispatchAt,
      agentJoinedAt,
      firstAnswerAt,
      asked,
      redispatched,
      turns,
      onsets,
      chunks: bot.heard.filter((c) => c.at >= start),
      heard: bot.heardSince(start),
      sampleRate: bot.listenRate,
    };
  } finally {
    await endCall(stack, o.room, bot);
  }
}
