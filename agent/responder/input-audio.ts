import { AudioFrame, AudioResampler, AudioResamplerQuality } from '@livekit/rtc-node';

/** Rate the Realtime API takes and gives (PCM16 mono). The plugin does not resample: it must get this. */
export const REALTIME_SAMPLE_RATE = 24_000;
/** The plugin batches input into 100 ms appends (AudioByteStream of rate/10 samples). */
export const PLUGIN_CHUNK_SAMPLES = REALTIME_SAMPLE_RATE / 10;

/** What the input stage needs of the Realtime session. */
export interface AudioSink {
  pushAudio(frame: AudioFrame): void;
}

/**
 * Caller audio on its way to the Realtime input buffer: 16 kHz gate audio → 24 kHz frames.
 *
 * Why `sealUtterance()` exists: the plugin appends audio in whole 100 ms chunks and keeps the rest
 * in its chunker; `commitAudio()` does not flush that remainder. Without care, up to 100 ms of the
 * utterance's end would miss the commit (and leak into the next turn). So before a commit we drain
 * the resampler and pad the chunker with silence up to the next 100 ms boundary: every sample of the
 * utterance is in the committed buffer, and the next utterance starts on an empty chunker.
 */
export class RealtimeInput {
  #resampler: AudioResampler;
  #pendingInChunk = 0; // samples (24 kHz) sitting in the plugin's chunker
  #samplesSinceCommit = 0;

  constructor(
    private readonly sink: AudioSink,
    private readonly inputRate = 16_000,
  ) {
    this.#resampler = new AudioResampler(inputRate, REALTIME_SAMPLE_RATE, 1, AudioResamplerQuality.MEDIUM);
  }

  /** Forward caller audio (mono int16 at the input rate). */
  push(samples: Int16Array): void {
    if (samples.length === 0) return;
    const frame = new AudioFrame(samples, this.inputRate, 1, samples.length);
    for (const out of this.#resampler.push(frame)) this.#forward(out);
  }

  /** Drain the resampler and pad to the plugin's chunk boundary; returns ms of audio since the last seal. */
  sealUtterance(): number {
    for (const out of this.#resampler.flush()) this.#forward(out);
    const pad = (PLUGIN_CHUNK_SAMPLES - this.#pendingInChunk) % PLUGIN_CHUNK_SAMPLES;
    if (pad > 0) this.#forward(new AudioFrame(new Int16Array(pad), REALTIME_SAMPLE_RATE, 1, pad));
    const ms = (this.#samplesSinceCommit / REALTIME_SAMPLE_RATE) * 1000;
    this.#samplesSinceCommit = 0;
    return ms;
  }

  close(): void {
    this.#resampler.close();
  }

  #forward(frame: AudioFrame): void {
    if (frame.samplesPerChannel === 0) return;
    this.sink.pushAudio(frame);
    this.#pendingInChunk = (this.#pendingInChunk + frame.samplesPerChannel) % PLUGIN_CHUNK_SAMPLES;
    this.#samplesSinceCommit += frame.samplesPerChannel;
  }
}
