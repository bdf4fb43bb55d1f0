import { VAD_SAMPLE_RATE, type GateConfig, type GateEvent, type GateState } from './types.js';

/**
 * Defaults, each a measured or stated choice:
 * - threshold 0.5: the reference library's flag threshold (parity-tested).
 * - minSpeechMs 80: voiced audio needed before speech-start. TEN VAD's probability rises within
 *   2–4 model frames of a real onset; a click or a cough blip stays voiced for 1–3 hops, so 80 ms
 *   keeps those from barging in while costing the caller nothing (the pre-roll keeps the onset).
 * - hangoverMs 300: unvoiced time before speech-end (see bench/vad/vad-bench.ts for the sweep of
 *   end-of-speech delay against premature ends that this is chosen from).
 * - preRollMs 300: audio kept from before speech-start: covers minSpeechMs and a soft onset.
 * - silenceBelowPeakDb 45: inside an utterance, a hop this far below the utterance's loudest voiced
 *   hop counts as silence even when the model still says voiced. TEN VAD decides on a 48 ms window,
 *   so after speech stops into quiet its window still holds the last syllable for 3–5 hops; the
 *   newest hop's own level shows the stop at once. 45 dB is far below any phoneme (fricatives sit
 *   20–30 dB under vowels; at 30 dB the bench saw speech ends land inside labelled speech) and is
 *   only reached by near-silence: a noise-suppressed browser, a DTX phone line, a hard stop. With
 *   room noise within 45 dB of the voice it never fires and the model alone decides. Measured in
 *   bench/vad/vad-bench.ts: speech ends ~40 ms sooner where the audio goes quiet, the same premature
 *   ends at every hangover of the sweep.
 */
export const DEFAULT_GATE_CONFIG: Readonly<GateConfig> = Object.freeze({
  threshold: 0.5,
  minSpeechMs: 80,
  hangoverMs: 300,
  preRollMs: 300,
  silenceBelowPeakDb: 45,
});

export function validateGateConfig(c: GateConfig): void {
  if (!(c.threshold > 0 && c.threshold < 1)) throw new RangeError(`gate threshold must be in (0, 1), got ${c.threshold}`);
  for (const k of ['minSpeechMs', 'hangoverMs', 'preRollMs'] as const) {
    if (!Number.isFinite(c[k]) || c[k] < 0) throw new RangeError(`gate ${k} must be a non-negative number of ms, got ${c[k]}`);
  }
  if (!Number.isFinite(c.silenceBelowPeakDb) || c.silenceBelowPeakDb < 0) {
    throw new RangeError(`gate silenceBelowPeakDb must be a non-negative number of dB (0: off), got ${c.silenceBelowPeakDb}`);
  }
  if (c.preRollMs < c.minSpeechMs) {
    throw new RangeError(`gate preRollMs (${c.preRollMs}) must cover minSpeechMs (${c.minSpeechMs}), or the onset is lost`);
  }
}

/**
 * The speech gate: per-hop probabilities in, utterances out.
 *
 *   SILENCE ──(voiced for ≥ minSpeechMs)──▶ SPEECH ──(unvoiced hop)──▶ HANGOVER
 *      ▲                                       ▲                          │
 *      └──────(unvoiced for ≥ hangoverMs)──────┼──────────────────────────┘
 *                                              └──(voiced hop)────────────┘
 *
 * Onset counts voiced audio within the current run, forgiving a single unvoiced hop inside it
 * (the model dips for a hop mid-syllable), but resetting on two in a row: scattered noise never
 * adds up to an onset. Any voiced hop in HANGOVER resumes SPEECH: within an utterance the caller
 * is already talking, so no minimum applies there. Within an utterance, "voiced" also needs the hop
 * itself to be within silenceBelowPeakDb of the utterance's loudest voiced hop (see the defaults).
 *
 * Pure and synchronous; time is stream time (samples pushed so far), so it is testable exactly.
 */
export class SpeechGate {
  readonly config: Readonly<GateConfig>;
  #state: GateState = 'SILENCE';
  #samples = 0; // stream position: samples pushed so far
  /** Recent audio (ring of hops) for the pre-roll. */
  #ring: Int16Array[] = [];
  #ringSamples = 0;
  readonly #ringCap: number;
  /** SILENCE: voiced samples in the current candidate run, and consecutive unvoiced hops in it. */
  #voicedRun = 0;
  #gapHops = 0;
  #onsetAt = 0; // stream samples at the first voiced hop of the run
  /** SPEECH/HANGOVER: end (stream samples) of the last voiced hop. */
  #lastVoicedEnd = 0;
  /** Level (dB re 1 LSB) of the loudest voiced hop of the current onset run or utterance. */
  #peakDb = -Infinity;

  constructor(config: Partial<GateConfig> = {}) {
    this.config = Object.freeze({ ...DEFAULT_GATE_CONFIG, ...config });
    validateGateConfig(this.config);
    this.#ringCap = Math.round((this.config.preRollMs / 1000) * VAD_SAMPLE_RATE);
  }

  get state(): GateState {
    return this.#state;
  }

  /** Stream time in ms. */
  get nowMs(): number {
    return this.#ms(this.#samples);
  }

  /** One hop of 16 kHz audio and its speech probability. Returns the events it caused, in order. */
  push(hop: Int16Array, probability: number): GateEvent[] {
    const start = this.#samples;
    this.#samples += hop.length;
    const end = this.#samples;
    const atMs = this.#ms(end);
    const voiced = probability >= this.config.threshold;
    const events: GateEvent[] = [];

    if (this.#state === 'SILENCE') {
      this.#remember(hop);
      if (voiced) {
        if (this.#voicedRun === 0) {
          this.#onsetAt = start;
          this.#peakDb = -Infinity; // a new candidate: an earlier blip's level is not this caller's voice
        }
        this.#voicedRun += hop.length;
        this.#gapHops = 0;
        this.#lastVoicedEnd = end;
        this.#peakDb = Math.max(this.#peakDb, levelDb(hop));
      } else if (this.#voicedRun > 0 && ++this.#gapHops > 1) {
        this.#voicedRun = 0;
        this.#gapHops = 0;
      }
      if (this.#voicedRun > 0 && this.#ms(this.#voicedRun) >= this.config.minSpeechMs) {
        this.#state = 'SPEECH';
        events.push({ type: 'speech-start', atMs, onsetMs: this.#ms(this.#onsetAt), preRoll: this.#takePreRoll() });
      }
    } else {
      events.push({ type: 'speech-audio', atMs, samples: hop });
      if (voiced && this.#audible(hop)) {
        this.#state = 'SPEECH';
        this.#lastVoicedEnd = end;
      } else {
        this.#state = 'HANGOVER';
        if (this.#ms(end - this.#lastVoicedEnd) >= this.config.hangoverMs) {
          this.#state = 'SILENCE';
          this.#voicedRun = 0;
          this.#gapHops = 0;
          events.push({ type: 'speech-end', atMs, lastVoicedMs: this.#ms(this.#lastVoicedEnd) });
        }
      }
    }
    events.push({ type: 'probability', atMs, probability, state: this.#state });
    return events;
  }

  reset(): void {
    this.#state = 'SILENCE';
    this.#samples = 0;
    this.#ring = [];
    this.#ringSamples = 0;
    this.#voicedRun = 0;
    this.#gapHops = 0;
    this.#lastVoicedEnd = 0;
    this.#peakDb = -Infinity;
  }

  /**
   * Whether a hop the model calls voiced is loud enough to be speech of this utterance: within
   * silenceBelowPeakDb of its loudest voiced hop (which it then may raise). 0 dB: the check is off.
   */
  #audible(hop: Int16Array): boolean {
    const drop = this.config.silenceBelowPeakDb;
    if (drop === 0) return true;
    const db = levelDb(hop);
    if (db < this.#peakDb - drop) return false;
    this.#peakDb = Math.max(this.#peakDb, db);
    return true;
  }

  #ms(samples: number): number {
    return (samples / VAD_SAMPLE_RATE) * 1000;
  }

  /** Keep the last preRollMs of audio; hops are kept by reference (the caller hands over fresh hops). */
  #remember(hop: Int16Array): void {
    this.#ring.push(hop);
    this.#ringSamples += hop.length;
    while (this.#ring.length > 1 && this.#ringSamples - this.#ring[0]!.length >= this.#ringCap) {
      this.#ringSamples -= this.#ring.shift()!.length;
    }
  }

  /** The kept audio, oldest first, as one buffer; empties the ring. */
  #takePreRoll(): Int16Array {
    const out = new Int16Array(this.#ringSamples);
    let o = 0;
    for (const h of this.#ring) {
      out.set(h, o);
      o += h.length;
    }
    this.#ring = [];
    this.#ringSamples = 0;
    return out;
  }
}

/** Mean power of a hop in dB re 1 LSB² (+1 LSB², the int16 quantisation floor, so silence is 0 dB). */
export function levelDb(hop: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < hop.length; i++) sum += hop[i]! * hop[i]!;
  return 10 * Math.log10(sum / (hop.length || 1) + 1);
}
