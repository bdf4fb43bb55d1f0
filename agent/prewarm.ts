import { warmUpEchoDetector } from './audio/echo-warm-up.js';
import type { VadConfig } from './config/config.js';
import { log } from './log.js';
import { preloadVadModel, type VadModel } from './vad/load.js';

/** Logged by a call process once prewarmed: it can take a call at no start-up cost (the load runners wait for it). */
export const IDLE_PROCESS_READY = 'idle process ready';

/**
 * What a process that will serve one call does before the call arrives, so the call does not pay
 * for it: loads the VAD model and compiles the echo comparison (agent/audio/echo-warm-up.ts). For
 * LiveKit job processes (agent/job.ts) and Twilio's warm call processes (agent/twilio-call.ts).
 */
export async function prewarmCallProcess(vad: Pick<VadConfig, 'modelPath' | 'thread'>): Promise<VadModel> {
  const t = performance.now();
  const model = await preloadVadModel(vad);
  warmUpEchoDetector();
  log.info({ ms: Math.round(performance.now() - t) }, IDLE_PROCESS_READY);
  return model;
}
