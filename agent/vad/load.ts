import { log } from '../log.js';
import { TenVadDetector } from './detector.js';
import { DEFAULT_GATE_CONFIG, SpeechGate } from './gate.js';
import { DEFAULT_NOISE_FLOOR_RMS, withNoiseFloor } from './noise-floor.js';
import type { FrameDetector, GateConfig, HopSize } from './types.js';

/** What a job process keeps warm between calls: the model session, ready before the call. */
export type VadModel = TenVadDetector;

/** 10 ms hops: the finest timing of speech end the model offers. */
const HOP: HopSize = 160;

function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return v;
}

/** Gate settings from the environment, over the measured defaults (agent/vad/gate.ts). */
export function gateConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GateConfig {
  const num = (name: string, fallback: number) => envNumber(env, name, fallback);
  return {
    threshold: num('PARLEY_VAD_THRESHOLD', DEFAULT_GATE_CONFIG.threshold),
    minSpeechMs: num('PARLEY_VAD_MIN_SPEECH_MS', DEFAULT_GATE_CONFIG.minSpeechMs),
    hangoverMs: num('PARLEY_VAD_HANGOVER_MS', DEFAULT_GATE_CONFIG.hangoverMs),
    preRollMs: num('PARLEY_VAD_PREROLL_MS', DEFAULT_GATE_CONFIG.preRollMs),
    silenceBelowPeakDb: num('PARLEY_VAD_SILENCE_BELOW_PEAK_DB', DEFAULT_GATE_CONFIG.silenceBelowPeakDb),
  };
}

/** Loads the model once per job process (prewarm), so a call does not wait for it. */
export async function preloadVadModel(): Promise<VadModel> {
  const t0 = performance.now();
  const detector = await TenVadDetector.create({ hopSize: HOP });
  log.info({ ms: Math.round(performance.now() - t0) }, 'TEN VAD model loaded');
  return detector;
}

/** RMS (LSB) of the noise floor under the model's input (agent/vad/noise-floor.ts); 0 turns it off. */
export function noiseFloorFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return envNumber(env, 'PARLEY_VAD_NOISE_FLOOR_RMS', DEFAULT_NOISE_FLOOR_RMS);
}

/** The VAD stage of one call: the (pre-loaded) model behind the noise floor, reset, and a fresh gate. */
export async function createVad(preloaded?: VadModel): Promise<{ detector: FrameDetector; gate: SpeechGate; close(): Promise<void> }> {
  const detector = withNoiseFloor(preloaded ?? (await preloadVadModel()), noiseFloorFromEnv());
  detector.reset();
  const gate = new SpeechGate(gateConfigFromEnv());
  return { detector, gate, close: () => detector.close() };
}
