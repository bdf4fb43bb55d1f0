import { log } from '../log.js';
import { TenVadDetector } from './detector.js';
import { DEFAULT_GATE_CONFIG, SpeechGate } from './gate.js';
import type { GateConfig, HopSize } from './types.js';

/** What a job process keeps warm between calls: the model session, ready before the call. */
export type VadModel = TenVadDetector;

/** 10 ms hops: the finest timing of speech end the model offers. */
const HOP: HopSize = 160;

/** Gate settings from the environment, over the measured defaults (agent/vad/gate.ts). */
export function gateConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GateConfig {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
    return v;
  };
  return {
    threshold: num('PARLEY_VAD_THRESHOLD', DEFAULT_GATE_CONFIG.threshold),
    minSpeechMs: num('PARLEY_VAD_MIN_SPEECH_MS', DEFAULT_GATE_CONFIG.minSpeechMs),
    hangoverMs: num('PARLEY_VAD_HANGOVER_MS', DEFAULT_GATE_CONFIG.hangoverMs),
    preRollMs: num('PARLEY_VAD_PREROLL_MS', DEFAULT_GATE_CONFIG.preRollMs),
  };
}

/** Loads the model once per job process (prewarm), so a call does not wait for it. */
export async function preloadVadModel(): Promise<VadModel> {
  const t0 = performance.now();
  const detector = await TenVadDetector.create({ hopSize: HOP });
  log.info({ ms: Math.round(performance.now() - t0) }, 'TEN VAD model loaded');
  return detector;
}

/** The VAD stage of one call: the (pre-loaded) detector, reset, and a fresh gate. */
export async function createVad(preloaded?: VadModel): Promise<{ detector: TenVadDetector; gate: SpeechGate; close(): Promise<void> }> {
  const detector = preloaded ?? (await preloadVadModel());
  detector.reset();
  const gate = new SpeechGate(gateConfigFromEnv());
  return { detector, gate, close: () => detector.close() };
}
