/**
 * Interfaces of the local voice-activity stage. The audio path is:
 *   room track → resample to 16 kHz mono → FrameDetector (one probability per hop) → SpeechGate → Responder
 * Everything here is in *stream time* (samples since the stream began, expressed in ms), never in
 * wall-clock time: the turn controller maps stream time to wall-clock time when it records a turn.
 */

/** Sample rate every VAD stage works at. */
export const VAD_SAMPLE_RATE = 16_000;

/** Hop sizes the TEN VAD model supports (10 ms and 16 ms at 16 kHz). */
export type HopSize = 160 | 256;

/** Result of one hop of audio through the frame-level detector. */
export interface FrameResult {
  /** Index of the hop since the last reset; hop i covers samples [i·hop, (i+1)·hop). */
  index: number;
  /** Speech probability in [0, 1] (0 during warm-up). */
  probability: number;
  /** probability > threshold, strictly, as the reference library decides it. */
  flag: boolean;
  /**
   * True while the detector has not yet seen a full 256-sample model frame (the first hop at hop
   * size 160): the reference library reports probability −1 and flag −1 there.
   */
  warmup?: boolean;
}

/**
 * Frame-level detector: exactly one hop of 16 kHz mono int16 audio in, one result out.
 * Stateful (filter memories, recurrent state); `reset()` returns it to the state of a fresh stream.
 */
export interface FrameDetector {
  readonly hopSize: HopSize;
  readonly threshold: number;
  process(hop: Int16Array): Promise<FrameResult>;
  reset(): void;
  close(): Promise<void>;
}

/** States of the speech gate. */
export type GateState = 'SILENCE' | 'SPEECH' | 'HANGOVER';

/** Configuration of the speech gate; every field has a documented default in gate.ts. */
export interface GateConfig {
  /** Probability at or above which a hop counts as voiced. */
  threshold: number;
  /** Voiced audio needed (ms, consecutive-ish) before speech-start fires: one click cannot barge in. */
  minSpeechMs: number;
  /** Unvoiced time after the last voiced hop before speech-end fires. */
  hangoverMs: number;
  /** Audio kept from before onset and forwarded with speech-start. */
  preRollMs: number;
  /**
   * Inside an utterance, a hop this many dB below its loudest voiced hop counts as silence even if
   * the model still calls it voiced (the model's window lags a stop into quiet). 0 turns it off.
   */
  silenceBelowPeakDb: number;
}

/** What the gate tells the rest of the pipeline. Times are stream ms. */
export type GateEvent =
  /** Speech began. `preRoll` is the audio from before (and including) the onset hops, oldest first. */
  | { type: 'speech-start'; atMs: number; onsetMs: number; preRoll: Int16Array }
  /** Audio inside an utterance (SPEECH or HANGOVER), to be forwarded after the pre-roll. */
  | { type: 'speech-audio'; atMs: number; samples: Int16Array }
  /** Speech ended. `lastVoicedMs` is the end of the last voiced hop: the true speech end. */
  | { type: 'speech-end'; atMs: number; lastVoicedMs: number }
  /** Per-hop probability, for metrics and UI; emitted for every hop. */
  | { type: 'probability'; atMs: number; probability: number; state: GateState };
