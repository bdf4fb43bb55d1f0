import { type JobContext, type JobProcess, AutoSubscribe, defineAgent } from '@livekit/agents';
import {
  AudioSource,
  LocalAudioTrack,
  ParticipantKind,
  type RemoteParticipant,
  type RemoteTrack,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { loadClip } from './assets/clips.js';
import { CallerInput } from './audio/caller-input.js';
import { EchoDetector } from './audio/echo.js';
import { loadConfig, type ParleyConfig } from './config/config.js';
import { ConversationLog } from './context/conversation-log.js';
import { renderInstructions } from './context/instructions.js';
import { failFastRedis } from './context/redis-client.js';
import { ContextStore } from './context/store.js';
import { PiiRedactor } from './guardrail/redactor.js';
import { configureLog, log, scopeLogToCall } from './log.js';
import { CallMeter } from './metrics/call-summary.js';
import { LoopDelayMonitor } from './metrics/loop-delay.js';
import type { Transport } from './metrics/record.js';
import { TurnRecorder } from './metrics/recorder.js';
import { createPlayback, leadFramesFor, PACER_SAMPLE_RATE, sourceQueueMs } from './pacer/playback.js';
import { PROMPTS } from './prompts.js';
import { ResponderSession } from './responder/session.js';
import { RoomStatus } from './room-status.js';
import { ResultCache } from './thinkers/cache.js';
import { ThinkerDispatcher } from './thinkers/dispatcher.js';
import { thinkerHost } from './thinkers/host.js';
import { createThinkers } from './thinkers/registry.js';
import { routeToolContext } from './thinkers/route-tool.js';
import { TurnController } from './turns/controller.js';
import { playThenHangUp, sayThenHangUp } from './turns/farewell.js';
import { IdleTimer } from './turns/idle.js';
import { Teardown } from './util/teardown.js';
import { createVad, preloadVadModel, type VadModel } from './vad/load.js';
import { VAD_SAMPLE_RATE } from './vad/types.js';

/** The job process's configuration, validated once (the worker already refused a bad one at start). */
let config: ParleyConfig | null = null;
function jobConfig(): ParleyConfig {
  if (!config) {
    config = loadConfig();
    configureLog({ level: config.logLevel });
  }
  return config;
}

/**
 * One call. This file only wires the stages together:
 *   caller track → CallerInput (16 kHz hops → TEN VAD → gate) → TurnController → ResponderSession
 *   ResponderSession audio → pacer → AudioSource → room
 * Each resource registers its close with the call's teardown where it is made; at the end they
 * close newest first, all of them, whatever one of them throws.
 */
export default defineAgent({
  // Idle job processes load the VAD model before a call arrives, so a call does not pay for it.
  prewarm: async (proc: JobProcess) => {
    proc.userData.vadModel = await preloadVadModel(jobConfig().vad);
  },

  entry: async (ctx: JobContext) => {
    const jobStartedAt = Date.now();
    const cfg = jobConfig();
    const teardown = new Teardown();
    /** Set when the agent ends the call: the room goes once the agent has left it (see hangUp). */
    let deleteRoomAtExit: string | null = null;
    ctx.addShutdownCallback(async () => {
      if (deleteRoomAtExit !== null) {
        const reason = deleteRoomAtExit;
        await ctx.deleteRoom().catch((e: Error) => log.warn({ err: e.message, reason }, 'could not delete the room'));
      }
      for (const f of await teardown.run()) log.error({ step: f.name, err: f.error.message }, 'teardown step failed');
      log.info('call ended');
      scopeLogToCall(null);
    });

    await ctx.connect(undefined, AutoSubscribe.AUDIO_ONLY);
    const caller = await ctx.waitForParticipant();
    const callerJoinedAt = Date.now();
    const transport = transportOf(caller);
    const callId = caller.attributes['sip.callID'] ?? ctx.job.id;
    const room = ctx.room.name ?? '';
    scopeLogToCall({ callId, room, transport, caller: caller.identity });
    log.info({ vadMode: cfg.vadMode, localPeer: cfg.openai.local }, 'call started');

    // Made in the order that makes the reverse the right way to close: the native audio source and
    // the model last; the call summary after the context store's last writes (so it counts what
    // is still unwritten at the very end) and before the recorder that sends it.
    // Output: the agent's voice, metered by the pacer (below) into a small AudioSource queue.
    const leadFrames = leadFramesFor(cfg.pacer.cushionMs);
    const source = new AudioSource(PACER_SAMPLE_RATE, 1, sourceQueueMs(leadFrames));
    teardown.defer('audio source', () => source.close());
    const track = LocalAudioTrack.createAudioTrack('parley-voice', source);
    const publishOptions = new TrackPublishOptions();
    publishOptions.source = TrackSource.SOURCE_MICROPHONE;
    await ctx.room.localParticipant!.publishTrack(track, publishOptions);
    const vad = await createVad(cfg.vad, ctx.proc.userData.vadModel as VadModel | undefined);
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

    // Who the caller is, for their context: the phone number for SIP, a server-issued id otherwise.
    const context = new ContextStore(userIdOf(caller, transport), redis);
    teardown.defer('context store', () => context.close());
    await context.load();
    context.update({ session: true });
    const conversation = new ConversationLog(redactor);
    // after the Responder has closed: the call's last lines are in
    teardown.defer('rolling summary', async () => context.update({ summary: await conversation.rollSummary(context.context.summary) }));

    const responder = new ResponderSession(cfg, {
      instructions: renderInstructions(cfg.instructions, context.context),
      tools: routeToolContext(),
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
    const playback = createPlayback(source, { leadFrames, onFrame: echo && ((pcm, at) => echo.output(pcm, at)) });
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
    const status = new RoomStatus(ctx.room.localParticipant!);
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
      host: thinkerHost(responder, controller),
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

    // Ending the call for everyone: the job ends first, then the room is deleted, which hangs up a
    // phone caller too (LiveKit SIP sends BYE when its participant is removed). In that order
    // because livekit-server keeps the first status it hears: the job's (succeeded, sent as it
    // exits, patches/@livekit+agents) must come before the agent leaves the room, or the job is
    // recorded as failed ("agent worker left the room").
    const hangUp = (reason: string) => {
      deleteRoomAtExit = reason;
      ctx.shutdown(reason);
    };
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

    // Input: the caller's audio track, bound again whenever the caller publishes a new one (a
    // device switch, a reconnect); a broken input ends the call with an apology.
    let input: CallerInput<RemoteTrack> | null = null;
    const unbind = () => {
      const old = input;
      input = null;
      return old?.stop();
    };
    teardown.defer('caller input', unbind);
    // one rebind at a time: the old input has stopped reading before the new one starts
    let binding = Promise.resolve();
    const bind = (t: RemoteTrack, p: RemoteParticipant) => {
      if (p.identity !== caller.identity || t.kind !== TrackKind.KIND_AUDIO) return;
      binding = binding.then(() => rebind(t)).catch((e: Error) => log.error({ err: e.message }, 'caller input not bound'));
    };
    const rebind = async (t: RemoteTrack) => {
      if (input?.source === t) return;
      await unbind();
      // a new track is a new stream: no state of the old one carries over
      vad.detector.reset();
      vad.gate.reset();
      log.info({ track: t.sid }, 'caller input bound');
      input = CallerInput.fromTrack(t, vad.detector, vad.gate, {
        onGateEvent: (ev, wallOf) => controller.onGateEvent(ev, wallOf),
        onHop: (hop) => controller.onRawAudio(hop),
        onFailure: (err) => {
          log.error({ err: err.message }, 'the caller can no longer be heard: ending the call');
          idle.close();
          void sayThenHangUp(controller, { reason: 'apology', instructions: PROMPTS.cannotHear }, () => hangUp('caller input failed'));
        },
      });
    };
    ctx.room.on(RoomEvent.TrackSubscribed, (t, _pub, p) => bind(t, p));
    ctx.room.on(RoomEvent.TrackUnsubscribed, (t, _pub, p) => {
      if (p.identity === caller.identity && input?.source === t) void unbind();
    });
    for (const pub of caller.trackPublications.values()) {
      if (pub.track) bind(pub.track as RemoteTrack, caller);
    }

    // The caller hung up (BYE for SIP, tab closed for WebRTC): end the job, cancelling everything.
    ctx.room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      if (p.identity === caller.identity) ctx.shutdown('caller hung up');
    });

    // The agent speaks first where the caller expects it (a phone line; a browser only if configured).
    const greeting = cfg.greeting[transport];
    if (greeting) {
      void controller
        .say({ reason: 'greeting', instructions: PROMPTS.greeting(greeting) })
        .then((o) => log.info({ outcome: o.status, err: o.status === 'refused' ? o.error.message : undefined }, 'greeting'));
    }

    callSummary = () => {
      const loop = loopDelay.whole();
      return meter.finish(
        {
          callId,
          room,
          transport,
          vadMode: cfg.vadMode,
          jobStartedAt,
          callerJoinedAt,
          turns: controller.turnCount,
          completedTurns: controller.completedTurns,
          eventLoopP999Ms: Math.round(loop.p999Ms * 100) / 100,
          eventLoopMaxMs: Math.round(loop.maxMs * 100) / 100,
          realtimeReconnects: { ...reconnects },
          contextUpdates: context.updates,
          contextUnwritten: context.pendingWrites,
        },
        playback.stats(),
      );
    };
  },
});

function userIdOf(p: RemoteParticipant, transport: Transport): string {
  if (transport === 'sip') {
    const number = p.attributes['sip.phoneNumber'];
    if (number) return `tel:${number}`;
  }
  // set by our token server inside the signed token, so the browser cannot choose it
  return p.attributes['parley.user_id'] || `lk:${p.identity}`;
}

function transportOf(p: RemoteParticipant): Transport {
  return p.kind === ParticipantKind.SIP ? 'sip' : 'webrtc';
}
