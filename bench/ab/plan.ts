import type { VadMode } from '../../agent/config/config.js';
import type { Transport } from '../../agent/metrics/record.js';
import type { StandinScript } from '../../openai-standin/script.js';

/** One A/B run: N turns for every (VAD mode × transport) against the local Realtime stand-in. */
export interface AbPlan {
  turns: number;
  modes: VadMode[];
  transports: Transport[];
  /** The peer's model latency: log-normal around a median (response.create → first audio). */
  modelMedianMs: number;
  modelSigma: number;
  /** Share of answers that are quick fillers, and their latency. */
  fillerShare: number;
  fillerLatencyMs: number;
  /**
   * Silence after each question before the next. It must outlast the slowest answer (model latency
   * + the spoken reply), or the next question barges in and the turn is not an answered one.
   */
  gapMs: number;
  seed: number;
}

export const DEFAULT_PLAN: AbPlan = {
  turns: 10,
  modes: ['local', 'server_vad'],
  transports: ['webrtc', 'sip', 'twilio_ws'],
  modelMedianMs: 700,
  modelSigma: 0.45,
  fillerShare: 0.2,
  fillerLatencyMs: 200,
  gapMs: 5500,
  seed: 7,
};

/** Questions the callers ask in turn: different lengths and endings, so no one utterance decides. */
export const QUESTIONS = [
  'What is the weather like in Paris today',
  'Can you remind me what time my train leaves',
  'How far is it from Berlin to Munich',
  'Tell me something interesting about octopuses',
  'Should I take an umbrella this afternoon',
  'What is a good name for a small grey cat',
];

/** Short spoken answers, so that each one ends well inside the gap before the next question. */
export const ANSWERS = [
  'Mild and sunny, about eighteen degrees.',
  'Your train leaves at six fifteen.',
  'About five hundred eighty kilometres.',
  'They have three hearts.',
  'Yes, rain is likely after four.',
  'How about Pebble?',
];

export function peerScript(p: AbPlan): StandinScript {
  return {
    modelLatencyMs: { kind: 'lognormal', medianMs: p.modelMedianMs, sigma: p.modelSigma },
    fillerShare: p.fillerShare,
    fillerLatencyMs: p.fillerLatencyMs,
    reply: (n) => ANSWERS[n % ANSWERS.length]!,
    seed: p.seed,
  };
}

export const configKey = (transport: Transport, mode: VadMode) => `${transport}/${mode}`;

/** Room names carry the run and the configuration, so records of other calls are never mixed in. */
export const roomPrefix = (runId: string) => `ab-${runId}-`;
