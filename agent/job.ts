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
import { CallerInput } from './audio/caller-input.js';
import { loadConfig } from './config.js';
import { ConversationLog } from './context/conversation-log.js';
import { renderInstructions } from './context/instructions.js';
import { failFastRedis } from './context/redis-client.js';
import { ContextStore } from './context/store.js';
import { PiiRedactor } from './guardrail/redactor.js';
import { log } from './log.js';
import { createPlayback, PACER_SAMPLE_RATE, SOURCE_QUEUE_MS } from './pacer/playback.js';
import { ResponderSession } from './responder/session.js';
import { RoomStatus } from './room-status.js';
import { CallMeter } from './turns/call-summary.js';
import { ResultCache } from './thinkers/cache.js';
import { ThinkerDispatcher } from './thinkers/dispatcher.js';
import { thinkerHost } from './thinkers/host.js';
import { createThinkers } from './thinkers/registry.js';
import { routeToolContext } from './thinkers/route-tool.js';
import { TurnController } from './turns/controller.js';
import { IdleTimer } from './turns/idle.js';
import { LoopDelayMonitor } from './turns/loop-delay.js';
import type { Transport } from './turns/record.js';
import { TurnRecorder } from './turns/recorder.js';
import { createVad, preloadVadModel, type VadModel } from './vad/load.js';

/**
 * One call. This file only wires the stages together:
 *   caller track → CallerInput (16 kHz hops → TEN VAD → gate) → TurnController → ResponderSession
 *   ResponderSession audio → pacer → AudioSource → room
 */
export default defineAgent({
  // Idle job processes load the VAD model before a call arrives, so a call does not pay for it.
  prewarm: async (proc: JobProcess) => {
    proc.userData.vadModel = await preloadVadModel();
  },

  entry: async (ctx: JobContext) => {
    const jobStartedAt = Date.now();
    const cfg = loadConfig();
    await ctx.connect(undefined, AutoSubscribe.AUDIO_ONLY);
    const caller = await ctx.waitForParticipant();
    const callerJoinedAt = Date.now();
    const meter = new CallMeter();
    const transport = transportOf(caller);
    const callId = caller.attributes['sip.callID'] ?? ctx.job.id;
    const jlog = log.child({ room: ctx.room.name, caller: caller.identity, transport, callId });
    jlog.info({ vadMode: cfg.vadMode, localPeer: cfg.openai.local }, 'call started');

    // Output: the agent's voice, metered by the pacer into a small AudioSource queue.
    const source = new AudioSource(PACER_SAMPLE_RATE, 1, SOURCE_QUEUE_MS);
    const track = LocalAudioTrack.createAudioTrack('parley-voice', source);
    const publishOptions = new TrackPublishOptions();
    publishOptions.source = TrackSource.SOURCE_MICROPHONE;
    await ctx.room.localParticipant!.publishTrack(track, publishOptions);
    const playback = createPlayback(source);

    // Who the caller is, for their context: the phone number for SIP, a server-issued id otherwise.
    const userId = userIdOf(caller, transport);
    const redis = failFastRedis(cfg.redisUrl);
    const context = new ContextStore(userId, redis);
    await context.load();
    context.update({ session: true });
    const responder = new ResponderSession(cfg, {
      instructions: renderInstructions(cfg.instructions, context.context),
      tools: routeToolContext(),
    });
    // What a thinker learns about the caller reaches the Responder mid-call.
    context.on('changed', (c) => void responder.updateInstructions(renderInstructions(cfg.instructions, c)).catch(() => {}));
    const redactor = new PiiRedactor();
    const conversation = new ConversationLog(redactor);
    const recorder = new TurnRecorder(cfg.redisUrl);
    const loopDelay = new LoopDelayMonitor();
    const controller = new TurnController({
      responder,
      playback,
      recorder,
      loopDelay,
      vadMode: cfg.vadMode,
      transport,
      callId,
      room: ctx.room.name ?? '',
    });
    const status = new RoomStatus(ctx.room.localParticipant!);
    status.setState('listening');
    controller.on('user-speaking', (on) => status.setState(on ? 'user_speaking' : 'thinking'));
    controller.on('agent-speaking', (on) => status.setState(on ? 'speaking' : 'listening'));
    controller.on('turn', (t) => status.turn(t));
    responder.on('transcript', (role, text) => {
      status.transcript(role, text, controller.turnCount);
      conversation.add(role === 'user' ? 'caller' : 'agent', text);
    });
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
    thinkers.on('running', (domains) => status.setThinker(domains.at(-1) ?? null));
    // After the goodbye has played, end the call for everyone: deleting the room hangs up a phone
    // caller too (LiveKit SIP sends BYE when its participant is removed).
    const idle = new IdleTimer(cfg.idle, controller, () => {
      void ctx
        .deleteRoom()
        .catch((e: Error) => jlog.warn({ err: e.message }, 'could not delete the room after goodbye'))
        .finally(() => ctx.shutdown('idle goodbye'));
    });

    const vad = await createVad(ctx.proc.userData.vadModel as VadModel | undefined);
    let input: CallerInput | null = null;
    const attach = (t: RemoteTrack, p: RemoteParticipant) => {
      if (p.identity !== caller.identity || t.kind !== TrackKind.KIND_AUDIO || input) return;
      input = new CallerInput(t, vad.detector, vad.gate, {
        onGateEvent: (ev, wallOf) => controller.onGateEvent(ev, wallOf),
        onHop: (hop) => controller.onRawAudio(hop),
      });
    };
    ctx.room.on(RoomEvent.TrackSubscribed, (t, _pub, p) => attach(t, p));
    for (const pub of caller.trackPublications.values()) {
      if (pub.track) attach(pub.track as RemoteTrack, caller);
    }

    // The caller hung up (BYE for SIP, tab closed for WebRTC): end the job, cancelling everything.
    ctx.room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      if (p.identity === caller.identity) ctx.shutdown('caller hung up');
    });

    ctx.addShutdownCallback(async () => {
      idle.close();
      thinkers.close();
      await input?.stop();
      controller.close();
      playback.flush();
      await responder.close();
      context.removeAllListeners('changed'); // the Responder is gone: nothing to refresh
      context.update({ summary: await conversation.rollSummary(context.context.summary) });
      await context.close();
      const loop = loopDelay.whole();
      recorder.recordCall(
        meter.finish(
          {
            callId,
            room: ctx.room.name ?? '',
            transport,
            vadMode: cfg.vadMode,
            jobStartedAt,
            callerJoinedAt,
            turns: controller.turnCount,
            completedTurns: controller.completedTurns,
            eventLoopP999Ms: Math.round(loop.p999Ms * 100) / 100,
            eventLoopMaxMs: Math.round(loop.maxMs * 100) / 100,
            contextUpdates: context.updates,
            contextUnwritten: context.pendingWrites,
          },
          playback.stats(),
        ),
      );
      await recorder.close();
      redis.disconnect();
      await redactor.close();
      loopDelay.close();
      await vad.close();
      await source.close();
      jlog.info('call ended');
    });
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
