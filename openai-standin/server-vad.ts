/** What the session's turn detection is set to (the fields the stand-in honours). */
export interface TurnDetection {
  create_response?: boolean;
  interrupt_response?: boolean;
  silence_duration_ms?: number;
}

export type VadTransition = 'speech-started' | 'speech-stopped';

/**
 * The stand-in's server VAD: energy per 20 ms of appended audio, speech after 60 ms loud, its end
 * after the configured silence. Crude next to OpenAI's, but it commits and responds on its own as
 * the API does, which is what the local-vs-server comparison needs.
 */
export class EnergyVad {
  #speaking = false;
  #silenceMs = 0;
  #speechMs = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly threshold = 500,
  ) {}

  /** Feeds appended audio; returns the transitions it caused, in order. */
  push(pcm: Int16Array, td: TurnDetection): VadTransition[] {
    const out: VadTransition[] = [];
    const win = this.sampleRate / 50;
    for (let o = 0; o + win <= pcm.length; o += win) {
      let acc = 0;
      for (let i = o; i < o + win; i++) acc += pcm[i]! * pcm[i]!;
      if (Math.sqrt(acc / win) > this.threshold) {
        this.#speechMs += 20;
        this.#silenceMs = 0;
        if (!this.#speaking && this.#speechMs >= 60) {
          this.#speaking = true;
          out.push('speech-started');
        }
      } else {
        this.#silenceMs += 20;
        if (!this.#speaking) this.#speechMs = 0;
        if (this.#speaking && this.#silenceMs >= (td.silence_duration_ms ?? 500)) {
          this.#speaking = false;
          this.#speechMs = 0;
          out.push('speech-stopped');
        }
      }
    }
    return out;
  }
}
