import { loadClip } from '../assets/clips.js';
import { CallerInput } from '../audio/caller-input.js';
import { EchoDetector } from '../audio/echo.js';
import type { ParleyConfig } from '../config/config.js';
import { ConversationLog } from '../context/conversation-log.js';
import { renderInstructions } from '../context/instructions.js';
import { failFastRedis } from '../context/redis-client.js';
import { ContextStore } from '../context/store.js';
import { PiiRedactor } from '../guardrail/redactor.js';
import { log, scopeLogToCall } from '../log.js';
import { CallProfiler } from '../metrics/call-profile.js';
import { CallMeter } from '../metrics/call-summary.js';
import { LoopDelayMonitor } from '../metrics/loop-delay.js';
import { TurnRecorder } from '../metrics/recorder.js';
import { createPlayback, leadFramesFor, PACER_SAMPLE_RATE } from '../pacer/playback.js';
import { PROMPTS } from '../prompts.js';
import { ResponderSession } from '../responder/session.js';
import { ResultCache } from '../thinkers/cache.js';
import { ThinkerDispatcher } from '../thinkers/dispatcher.js';
import { thinkerHost } from '../thinkers/host.js';
import { createThinkers } from '../thinkers/registry.js';
import { TurnController } from '../turns/controller.js';
import { playThenHangUp, sayThenHangUp } from '../turns/farewell.js';
import { IdleTimer } from '../turns/idle.js';
import type { Teardown } from '../util/teardown.js';
import { createVad, VAD_HOP_SIZE, type VadModel } from '../vad/load.js';
import { VAD_SAMPLE_RATE } from '../vad/types.js';
import { HeldLineEvents } from './held-line-events.js';
import { KeyCollector } from './keys.js';
import { prioritiseCallThread } from './priority.js';
import { callTools } from './tools.js';
import { TRANSFER_TOOL_NAME, TransferDesk } from './transfer.js';
import type { CallerAudio, CallTransport } from './transport.js';

export interface CallOptions {
  cfg: ParleyConfig;
  /** The VAD model a warm process loaded before the call (else it is loaded now). */
  vadModel?: VadModel;
  /** Wall ms the job (or call process) took the call: the call summary's start. */
  startedAt: number;
}

/**
 * One call, on any line (agent/call/transport.ts). This only wires the stages together:
 *   caller audio → CallerInput (16 kHz hops → TEN VAD → gate) → TurnController → ResponderSession
 *   ResponderSession audio → pacer → the line's output
 * with thinkers, the caller's context, the PII guardrail, keys, transfer and the records around
 * them. Each resource registers its close with `teardown` where it is made; the owner of the call
 * (a LiveKit job, a Twilio call process) runs it when the call ends: newest first, all of them,
 * whatever one of them throws.
 */
export async function runCall(line: CallTransport, teardown: Teardown, o: CallOptions): Promise<void> {
  const { cfg } = o;
  const { kind: transport, callId, room } = line;
  scopeLogToCall({ callId, room, transport, caller: line.userId });
  log.info({ vadMode: cfg.vadMode, localPeer: cfg.openai.local }, 'call started');
  // The loop's thread ahead of its core's other threads. rtc-node's, made when the room
  // connected, keep the inherited priority; threads started from here on inherit this one's (the
  // profiler's sampler, so it samples the thread it watches; the guardrail's).
  const priority = prioritiseCallThread(cfg.callThreadNice);
  if (priority.refused)
    log.warn({ nice: priority.nice, asked: cfg.callThreadNice, err: priority.refused }, 'the call thread keeps its priority');
  if (cfg.cpuProfileDir) await profileCall(cfg.cpuProfileDir, callId, teardown);
  // The line starts before anything that hears the caller is built: a caller who speaks as the
  // call connects is heard from the first word (the streams and keys wait until the stages are up).
  const held = new HeldLineEvents(line);
  teardown.defer('held line events', () => held.close());
  line.start(VAD_HOP_SIZE);

  // Made in the order that makes the reverse the right way to close: the line's output and the
  // model last; the call summary after the context store's last writes (so it counts what is
  // still unwritten at the very end) and before the recorder that sends it. The output opens
  // while the rest is built (a LiveKit line publishes it once it hears the caller).
  const leadFrames = leadFramesFor(cfg.pacer.cushionMs);
  const opening = line.openOutput(leadFrames);
  opening.catch(() => {}); // awaited below, where its failure ends the call's start
  teardown.defer('audio output', () =>
    opening.then(
      (o) => o.close(),
      () => {},
    ),
  );
  const vad = await createVad(cfg.vad, o.vadModel);
  teardown.defer('vad', () => vad.close());
  const meter = new CallMeter();
  const loopDelay = new LoopDelayMonitor();
  teardown.defer('event-loop monitor', () => loopDelay.close());
  const redactor = new PiiRedactor();
  teardown.defer('pii redactor', () => redactor.close());
  const redis = failFastRedis(cfg.redisUrl);
  teardown.defer('redis', () => redis.disconnect());
  const recorder = new TurnRecorder(cfg.redisUrl);
  teardown.defer('turn recorder', () => recorder.close());
  let callSummary: (() => Parameters<TurnRecorder['recordCall']>[0]) | null = null;
  teardown.defer('call summary', () => callSummary && recorder.recordCall(callSummary()));

  const context = new ContextStore(line.userId, redis);
  teardown.defer('context store', () => context.close());
  await context.load();
  context.update({ session: true });
  const conversation = new ConversationLog(redactor);
  // after the Responder has closed: the call's last lines are in
  teardown.defer('rolling summary', async () => context.update({ summary: await conversation.rollSummary(context.context.summary) }));

  const responder = new ResponderSession(cfg, {
    instructions: renderInstructions(cfg.instructions, context.context),
    tools: callTools(),
  });
  teardown.defer('responder', () => responder.close());
  // What a thinker learns about the caller reaches the Responder mid-call.
  const refreshInstructions = (c: ContextStore['context']) =>
    void responder
      .updateInstructions(renderInstructions(cfg.instructions, c))
      .catch((e: Error) => log.warn({ err: e.message }, 'instructions not updated: the Responder keeps the old context'));
  context.on('changed', refreshInstructions);
  teardown.defer('context listener', () => context.off('changed', refreshInstructions));

  // what the pacer sends, kept as an envelope, so the agent's own voice coming back is not answered
  const echo = cfg.echo ? new EchoDetector(cfg.echo, { outputRate: PACER_SAMPLE_RATE, inputRate: VAD_SAMPLE_RATE }) : undefined;
  const output = await opening;
  const playback = createPlayback(output, { leadFrames, onFrame: echo && ((pcm, at) => echo.output(pcm, at)) });
  teardown.defer('playback', () => playback.flush());

  const controller = new TurnController({
    responder,
    playback,
    recorder,
    loopDelay,
    vadMode: cfg.vadMode,
    transport,
    callId,
    room,
    echo,
  });
  teardown.defer('turn controller', () => controller.close());
  const { status } = line;
  status.setState('listening');
  controller.on('user-speaking', (on, wasEcho) => status.setState(on ? 'user_speaking' : wasEcho ? 'listening' : 'thinking'));
  controller.on('agent-speaking', (on) => status.setState(on ? 'speaking' : 'listening'));
  controller.on('turn', (t) => status.turn(t));
  responder.on('transcript', (role, text, seq) => {
    status.transcript(role, text, controller.turnCount, seq);
    conversation.add(role === 'user' ? 'caller' : 'agent', text, seq);
  });
  responder.on('transcript-failed', (seq, code) => log.warn({ seq, code }, 'the caller could not be transcribed'));
  const thinkers = new ThinkerDispatcher({
    host: thinkerHost(responder, controller, [TRANSFER_TOOL_NAME]),
    thinkers: createThinkers(cfg.thinkers),
    context,
    conversation,
    cache: new ResultCache(redis),
    redactor,
    stillWorkingAfterMs: cfg.thinkers.stillWorkingAfterMs,
    stillWorkingEveryMs: cfg.thinkers.stillWorkingEveryMs,
    timeoutScale: cfg.thinkers.timeoutScale,
  });
  teardown.defer('thinkers', () => thinkers.close());
  thinkers.on('running', (domains) => status.setThinker(domains.at(-1) ?? null));
  thinkers.on('done', (r) => recorder.recordThinker(r));
  const reconnects = { planned: 0, dropped: 0 };
  responder.on('reconnected', (_lost, planned) => reconnects[planned ? 'planned' : 'dropped']++);

  const hangUp = (reason: string) => line.hangUp(reason);
  const idle = new IdleTimer(cfg.idle, controller, () => hangUp('idle goodbye'));
  teardown.defer('idle timer', () => idle.close());
  // A fatal Realtime error (quota, key): the model is gone, so a recorded line says goodbye.
  responder.on('fatal', (code) => {
    idle.close();
    thinkers.close();
    void loadClip('technical-problem').then(
      (pcm) => playThenHangUp(playback, pcm, () => hangUp(`realtime ${code}`)),
      (e: Error) => {
        log.error({ err: e.message }, 'the technical-problem clip could not be read');
        hangUp(`realtime ${code}`);
      },
    );
  });

  // A person, when the caller asks for one (in words, or with the key): the line's own transfer.
  const transfers = { done: 0, failed: 0 };
  const desk = new TransferDesk(
    {
      say: (req) => controller.say(req),
      on: (ev, fn) => controller.on(ev, fn),
      off: (ev, fn) => controller.off(ev, fn),
      submitToolOutput: (id, out) => responder.submitToolOutput(id, out),
      transfer: async (target) => {
        idle.close();
        await line.transfer(target);
      },
    },
    cfg.transfer.to,
    (outcome, target, ms) => {
      if (outcome === 'transferred') transfers.done++;
      if (outcome === 'failed') transfers.failed++;
      log.info({ outcome, target, ms }, 'transfer');
    },
  );
  responder.on('function-call', (_responseId, call) => {
    if (call.name === TRANSFER_TOOL_NAME) void desk.handle(call.callId, call.args);
  });

  // The caller's keys reach the conversation as their line, and are answered like a turn.
  const keys = new KeyCollector(cfg.transfer.dtmfGapMs, (pressed) => {
    log.info({ keys: pressed.length }, 'the caller pressed keys');
    responder.addCallerText(PROMPTS.keysPressed(pressed, cfg.transfer.digit));
    void controller.say({ reason: 'keys' });
  });
  teardown.defer('keys', () => keys.close());

  // Input: the caller's voice, bound again whenever the line brings a new stream (a device
  // switch, a reconnect); a broken input ends the call with an apology.
  let input: CallerInput | null = null;
  const unbind = () => {
    const old = input;
    input = null;
    return old?.stop();
  };
  teardown.defer('caller input', unbind);
  // one rebind at a time: the old input has stopped reading before the new one starts
  let binding = Promise.resolve();
  const rebind = async (audio: CallerAudio) => {
    if (input?.source === audio.source) return;
    await unbind();
    // a new stream: no state of the old one carries over
    vad.detector.reset();
    vad.gate.reset();
    log.info('caller input bound');
    input = new CallerInput(audio.source, audio.hops, vad.detector, vad.gate, {
      onGateEvent: (ev, wallOf, lateMs) => controller.onGateEvent(ev, wallOf, lateMs),
      onHop: (hop) => controller.onRawAudio(hop),
      onFailure: (err) => {
        log.error({ err: err.message }, 'the caller can no longer be heard: ending the call');
        idle.close();
        void sayThenHangUp(controller, { reason: 'apology', instructions: PROMPTS.cannotHear }, () => hangUp('caller input failed'));
      },
    });
  };
  held.release({
    input: (audio) => {
      binding = binding.then(() => rebind(audio)).catch((e: Error) => log.error({ err: e.message }, 'caller input not bound'));
    },
    'input-ended': (source) => {
      if (input?.source === source) void unbind();
    },
    dtmf: (key) => {
      if (!keys.press(key)) log.warn({ key: key.slice(0, 8) }, 'not a keypad key: dropped');
    },
  });

  // The agent speaks first where the caller expects it (a phone line; a browser only if configured).
  const greeting = cfg.greeting[transport];
  if (greeting) {
    void controller
      .say({ reason: 'greeting', instructions: PROMPTS.greeting(greeting) })
      .then((out) => log.info({ outcome: out.status, err: out.status === 'refused' ? out.error.message : undefined }, 'greeting'));
  }

  callSummary = () => {
    const loop = loopDelay.whole();
    return meter.finish(
      {
        callId,
        room,
        transport,
        vadMode: cfg.vadMode,
        jobStartedAt: o.startedAt,
        callerJoinedAt: line.callerJoinedAt,
        turns: controller.turnCount,
        completedTurns: controller.completedTurns,
        eventLoopP999Ms: Math.round(loop.p999Ms * 100) / 100,
        eventLoopMaxMs: Math.round(loop.maxMs * 100) / 100,
        onsetInputLateMaxMs: controller.onsetInputLateMaxMs,
        callThreadNice: priority.nice,
        realtimeReconnects: { ...reconnects },
        contextUpdates: context.updates,
        contextUnwritten: context.pendingWrites,
        transfers: { ...transfers },
        ...(line.figures ? { line: line.figures() } : {}),
      },
      playback.stats(),
    );
  };
}

/** The call's CPU profile, written when everything else has closed (the first teardown step registered runs last). */
async function profileCall(dir: string, callId: string, teardown: Teardown): Promise<void> {
  try {
    const profiler = await CallProfiler.start(dir, callId);
    teardown.defer('cpu profile', async () => log.info({ file: await profiler.stop() }, 'cpu profile written'));
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'no cpu profile: the profiler could not be started');
  }
}
