import { concatPcm } from '../agent/audio/pcm.js';
import { trailingSilenceMs } from '../speech/clips.js';
import { ANSWER_RMS, type CallerTurn, callerTurns } from './caller-latency.js';
import type { CarrierCall } from './twilio/call.js';
import { sleep } from './wait.js';
import type { LegResult } from './webrtc-leg.js';

/**
 * One phone call over Twilio Media Streams (callers/twilio): the carrier streams each question in
 * real time as 20 ms μ-law media, each followed by `gapMs` of silence, as the SIP and WebRTC legs
 * do. Each question's speech end is dated by the media message that carried its last speech
 * sample (the carrier's clock), and the answer by the first loud frame the carrier played.
 */
export async function runTwilioLeg(o: {
  dial: () => Promise<CarrierCall>;
  questions8k: Int16Array[];
  turns: number;
  gapMs: number;
  /** Silence before the first question (default 500 ms; longer lets a greeting play first). */
  leadInMs?: number;
}): Promise<LegResult & { turns: CallerTurn[]; callSid: string; streamSid: string }> {
  const call = await o.dial();
  try {
    await sleep(o.leadInMs ?? 500);
    const ended: number[] = [];
    for (let i = 0; i < o.turns; i++) {
      const q = o.questions8k[i % o.questions8k.length]!;
      const u = call.send(q);
      await u.sent;
      const lastSpeech = u.to - 1 - Math.round(trailingSilenceMs(q, 8000) * 8);
      ended.push(call.sentAt(Math.max(u.from, lastSpeech)) ?? Date.now());
      await sleep(o.gapMs);
    }
    const turns = callerTurns(ended, call.heard, ANSWER_RMS);
    return {
      turns,
      heard: concatPcm(call.heard.map((c) => c.samples)),
      sampleRate: 8000,
      callSid: call.callSid,
      streamSid: call.streamSid,
    };
  } finally {
    await call.hangUp().catch(() => {});
  }
}
