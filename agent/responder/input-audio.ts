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
 * Caller audio on its way to the Realtime input buffer: 16 kHz gate audio → 24 kHz frames, handed
 * to the plugin in whole 100 ms chunks.
 *
 * Why whole chunks: the plugin appends audio in 100 ms chunks, and its chunker (agents'
 * `AudioByteStream.write`, 1.9) rebuilds its buffer on every write by spreading the old bytes and
 * the new into a JS array (`new Int8Array([...buf, ...bytes])`). Fed a 16 ms hop at a time, that
 * was ~2.6 MB/s of garbage per call (half of a call's allocation, sampled), and the scavenges it
 * brings. Given exactly one chunk, its buffer is empty on every write: one copy per 100 ms.
 *
 * Why `sealUtterance()` exists: `commitAudio()` commits only what was appended. So before a commit
 * we drain the resampler and pad the chunk in progress with silence to its end: every sample of the
 * utterance is in the committed buffer, and the next utterance starts on an empty chunk.
 */
export class RealtimeInput {
  #resampler: AudioResampler;
  /** The 100 ms chunk being filled (a new one per chunk: the plugin reads the frame's whole buffer). */
  #chunk = new Int16Array(PLUGIN_CHUNK_SAMPLES);
  #filled = 0;
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
    for (const out of this.#resampler.push(frame)) this.#append(out.data.subarray(0, out.samplesPerChannel));
  }

  /** Drain the resampler and pad to the chunk's end; returns ms of audio since the last seal. */
  sealUtterance(): number {
    for (const out of this.#resampler.flush()) this.#append(out.data.subarray(0, out.samplesPerChannel));
    if (this.#filled > 0) {
      this.#samplesSinceCommit += PLUGIN_CHUNK_SAMPLES - this.#filled; // the padding (the chunk is zeroed)
      this.#send();
    }
    const ms = (this.#samplesSinceCommit / REALTIME_SAMPLE_RATE) * 1000;
    this.#samplesSinceCommit = 0;
    return ms;
  }

  close(): void {
    this.#resampler.close();
  }

  #append(samples: Int16Array): void {
    this.#samplesSinceCommit += samples.length;
    let from = 0;
    while (from < samples.length) {
      const n = Math.min(samples.length - from, PLUGIN_CHUNK_SAMPLES - this.#filled);
      this.#chunk.set(samples.subarray(from, from + n), this.#filled);
      this.#filled += n;
      from += n;
      if (this.#filled === PLUGIN_CHUNK_SAMPLES) this.#send();
    }
  }

  #send(): void {
    this.sink.pushAudio(new AudioFrame(this.#chunk, REALTIME_SAMPLE_RATE, 1, PLUGIN_CHUNK_SAMPLES));
    this.#chunk = new Int16Array(PLUGIN_CHUNK_SAMPLES);
    this.#filled = 0;
  }
}
