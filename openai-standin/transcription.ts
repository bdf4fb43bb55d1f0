import type { TranscriptionSpec } from './script.js';
import type { EventSink } from './events.js';

/**
 * Input audio transcription as the API runs it: asynchronously after the commit (it can arrive
 * after the response to that very turn), as `.delta` events then `.completed`, or `.failed`; and
 * only when the session has `audio.input.transcription` set.
 */
export class InputTranscription {
  readonly #timers = new Set<NodeJS.Timeout>();
  #n = 0;

  constructor(
    private readonly send: EventSink,
    private readonly spec: () => TranscriptionSpec,
  ) {}

  /** A user item was committed: transcribe it later (`transcript` is what the caller said). */
  start(itemId: string, transcript: string, audioMs: number): void {
    const n = this.#n++;
    const s = this.spec();
    const delay = Array.isArray(s.delayMs) ? (s.delayMs[Math.min(n, s.delayMs.length - 1)] ?? 0) : (s.delayMs ?? 0);
    const ids = { item_id: itemId, content_index: 0 };
    const t = setTimeout(() => {
      this.#timers.delete(t);
      const failure = s.failures?.[n];
      if (failure) {
        this.send({
          type: 'conversation.item.input_audio_transcription.failed',
          ...ids,
          error: {
            type: 'transcription_error',
            code: failure.code ?? 'audio_unintelligible',
            message: failure.message ?? 'Audio was unintelligible.',
          },
        });
        return;
      }
      // the text in a few pieces, as a streaming transcription model sends it
      const words = transcript.split(/(?<=\s)/);
      const pieces = Math.max(1, Math.min(s.deltas ?? 2, words.length));
      const per = Math.ceil(words.length / pieces);
      for (let i = 0; i < words.length; i += per)
        this.send({ type: 'conversation.item.input_audio_transcription.delta', ...ids, delta: words.slice(i, i + per).join('') });
      this.send({
        type: 'conversation.item.input_audio_transcription.completed',
        ...ids,
        transcript,
        usage: { type: 'duration', seconds: Math.round(audioMs) / 1000 },
      });
    }, delay);
    this.#timers.add(t);
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
