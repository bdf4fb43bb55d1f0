import type { VadConfig } from '../config/config.js';
import { log } from '../log.js';
import { TenVadDetector } from './detector.js';
import { SpeechGate } from './gate.js';
import { withNoiseFloor } from './noise-floor.js';
import { ThreadedVadDetector } from './threaded-detector.js';
import type { FrameDetector, HopSize } from './types.js';

/** What a job process keeps warm between calls: the model session (on its thread or not), ready before the call. */
export type VadModel = FrameDetector;

/** 10 ms hops: the finest timing of speech end the model offers. What every call's line is asked for. */
export const VAD_HOP_SIZE: HopSize = 160;

/** Loads the model once per job process (prewarm), so a call does not wait for it. */
export async function preloadVadModel(cfg: Pick<VadConfig, 'modelPath' | 'thread'>): Promise<VadModel> {
  const t0 = performance.now();
  const opts = { hopSize: VAD_HOP_SIZE, modelPath: cfg.modelPath };
  const detector = cfg.thread ? await ThreadedVadDetector.create(opts) : await TenVadDetector.create(opts);
  log.info({ ms: Math.round(performance.now() - t0), thread: cfg.thread }, 'TEN VAD model loaded');
  return detector;
}

/** The VAD stage of one call: the (pre-loaded) model behind the noise floor, reset, and a fresh gate. */
export async function createVad(
  cfg: VadConfig,
  preloaded?: VadModel,
): Promise<{ detector: FrameDetector; gate: SpeechGate; close(): Promise<void> }> {
  const detector = withNoiseFloor(preloaded ?? (await preloadVadModel(cfg)), cfg.noiseFloorRms);
  detector.reset();
  const gate = new SpeechGate(cfg.gate);
  return { detector, gate, close: () => detector.close() };
}
