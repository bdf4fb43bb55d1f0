import { type JobContext, type JobProcess, AutoSubscribe, defineAgent } from '@livekit/agents';
import { SipClient } from 'livekit-server-sdk';
import { runCall } from './call/call.js';
import { loadConfig, type ParleyConfig } from './config/config.js';
import { configureLog, log, scopeLogToCall } from './log.js';
import { RoomLine } from './transports/livekit/room-line.js';
import { Teardown } from './util/teardown.js';
import { prewarmCallProcess } from './prewarm.js';
import type { VadModel } from './vad/load.js';

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
 * A call in a LiveKit room (browser or SIP): the job connects, waits for the caller, and runs the
 * transport-neutral call (agent/call/call.ts) on the room's line (agent/transports/livekit).
 */
export default defineAgent({
  // Idle job processes load the VAD model and compile the echo comparison before a call arrives,
  // so a call does not pay for them.
  prewarm: async (proc: JobProcess) => {
    proc.userData.vadModel = await prewarmCallProcess(jobConfig().vad);
  },

  entry: async (ctx: JobContext) => {
    const startedAt = Date.now();
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
    const roomName = ctx.room.name ?? '';
    const line = new RoomLine(ctx.room, caller, ctx.job.id, {
      // Ending the call for everyone: the job ends first, then the room is deleted, which hangs up
      // a phone caller too (LiveKit SIP sends BYE when its participant is removed). In that order
      // because livekit-server keeps the first status it hears: the job's (succeeded, sent as it
      // exits, patches/@livekit+agents) must come before the agent leaves the room, or the job is
      // recorded as failed ("agent worker left the room").
      hangUp: (reason) => {
        deleteRoomAtExit = reason;
        ctx.shutdown(reason);
      },
      // A REFER towards the caller's side. It resolves on the final NOTIFY (200), after which
      // LiveKit SIP hangs up (BYE) a second later; a refusal (486…) rejects and the call goes on.
      // The agent's line has played by then, so the caller hears ringing while the person's phone rings.
      transferSip: async (identity, target) => {
        const sip = new SipClient(httpUrlOf(cfg.livekit.url), cfg.livekit.apiKey, cfg.livekit.apiSecret);
        await sip.transferSipParticipant(roomName, identity, target, { playDialtone: true });
      },
    });
    // The caller hung up (or was handed to a person): end the job, cancelling everything.
    line.on('hung-up', (reason) => ctx.shutdown(reason));
    await runCall(line, teardown, { cfg, vadModel: ctx.proc.userData.vadModel as VadModel | undefined, startedAt });
  },
});

/** livekit-server's API over HTTP(S), from the URL the worker registers with (ws/wss). */
function httpUrlOf(url: string): string {
  return url.replace(/^ws(s?):/, 'http$1:');
}
