import { VAD, VADEventType, VADStream, type VADEvent } from '@livekit/agents';
import { AudioFrame, AudioResampler, AudioResamplerQuality } from '@livekit/rtc-node';
import { concatPcm } from '../audio/pcm.js';
import { TenVadDetector } from './detector.js';
import { DEFAULT_GATE_CONFIG, SpeechGate } from './gate.js';
import { DEFAULT_NOISE_FLOOR_RMS, NoiseFloor, withNoiseFloor } from './noise-floor.js';
import { VAD_SAMPLE_RATE, type GateConfig, type HopSize } from './types.js';

export interface TenVADOptions extends GateConfig {
  hopSize: HopSize;
  modelPath?: string;
  /** RMS (16-bit LSB) of the noise floor under the model's input (see noise-floor.ts); 0: none. */
  noiseFloorRms: number;
}

/**
 * TEN VAD as an `@livekit/agents` VAD, the same shape as the Silero plugin, so it can be dropped in
 * beside it: `const vad = await TenVAD.load(); const stream = vad.stream(); stream.pushFrame(f)`,
 * then START_OF_SPEECH / INFERENCE_DONE / END_OF_SPEECH events. Frames of any rate and channel
 * count are resampled to 16 kHz mono.
 */
export class TenVAD extends VAD {
  label = 'parley.TenVAD';

  private constructor(
    readonly opts: TenVADOptions,
    private readonly detectors: () => Promise<TenVadDetector>,
  ) {
    super({ updateInterval: (opts.hopSize / VAD_SAMPLE_RATE) * 1000 });
  }

  /** Checks the options and that the model loads; each stream gets its own detector (model state). */
  static async load(opts: Partial<TenVADOptions> = {}): Promise<TenVAD> {
    const full: TenVADOptions = { ...DEFAULT_GATE_CONFIG, hopSize: 160, noiseFloorRms: DEFAULT_NOISE_FLOOR_RMS, ...opts };
    new SpeechGate(full); // validates the gate settings now, not at the first frame
    new NoiseFloor(full.noiseFloorRms); // and the floor's
    const make = () => TenVadDetector.create({ hopSize: full.hopSize, modelPath: full.modelPath, threshold: full.threshold });
    await (await make()).close();
    return new TenVAD(full, make);
  }

  override get minSilenceDuration(): number {
    return this.opts.hangoverMs;
  }

  stream(): TenVADStream {
    return new TenVADStream(this, this.opts, this.detectors());
  }
}

export class TenVADStream extends VADStream {
  constructor(vad: TenVAD, opts: TenVADOptions, detector: Promise<TenVadDetector>) {
    super(vad);
    void this.#run(opts, detector).catch((e: Error) => this.logger.error({ err: e.message }, 'TEN VAD stream failed'));
  }

  async #run(opts: TenVADOptions, detectorP: Promise<TenVadDetector>): Promise<void> {
    const detector = withNoiseFloor(await detectorP, opts.noiseFloorRms);
    const hop = opts.hopSize;
    const hopMs = (hop / VAD_SAMPLE_RATE) * 1000;
    let gate = new SpeechGate(opts);
    let resampler: AudioResampler | null = null;
    let inputRate = 0;
    let pending = new Int16Array(0);
    let samples = 0; // 16 kHz samples processed
    let utterance: Int16Array[] = [];
    let speechMs = 0;
    let silenceMs = 0;
    const reset = () => {
      detector.reset();
      gate = new SpeechGate(opts);
      resampler?.close();
      resampler = null;
      inputRate = 0;
      pending = new Int16Array(0);
      samples = 0;
      utterance = [];
      speechMs = silenceMs = 0;
    };
    const event = (type: VADEventType, extra: Partial<VADEvent>): VADEvent => ({
      type,
      samplesIndex: samples,
      timestamp: (samples / VAD_SAMPLE_RATE) * 1000,
      speechDuration: speechMs,
      silenceDuration: silenceMs,
      frames: [],
      probability: 0,
      inferenceDuration: 0,
      speaking: gate.state !== 'SILENCE',
      rawAccumulatedSilence: silenceMs,
      rawAccumulatedSpeech: speechMs,
      ...extra,
    });
    const frameOf = (parts: Int16Array[]) => {
      const out = concatPcm(parts);
      return new AudioFrame(out, VAD_SAMPLE_RATE, 1, out.length);
    };

    try {
      while (!this.closed) {
        const { done, value } = await this.inputReader.read();
        if (done) break;
        if (typeof value === 'symbol') {
          reset(); // flush: a new, unrelated stretch of audio follows
          continue;
        }
        const mono = toMono(value);
        if (inputRate !== value.sampleRate) {
          resampler?.close();
          inputRate = value.sampleRate;
          resampler =
            inputRate === VAD_SAMPLE_RATE ? null : new AudioResampler(inputRate, VAD_SAMPLE_RATE, 1, AudioResamplerQuality.MEDIUM);
        }
        const at16k = resampler ? resampler.push(new AudioFrame(mono, inputRate, 1, mono.length)).map((f) => f.data) : [mono];
        for (const chunk of at16k) {
          const joined = new Int16Array(pending.length + chunk.length);
          joined.set(pending);
          joined.set(chunk, pending.length);
          let o = 0;
          for (; o + hop <= joined.length; o += hop) {
            const h = joined.slice(o, o + hop);
            const t0 = performance.now();
            const { probability } = await detector.process(h);
            const inferenceDuration = performance.now() - t0;
            samples += hop;
            for (const ev of gate.push(h, probability)) {
              if (ev.type === 'speech-start') {
                utterance = [ev.preRoll];
                speechMs = ev.preRoll.length / 16;
                silenceMs = 0;
                this.sendVADEvent(event(VADEventType.START_OF_SPEECH, { frames: [frameOf([ev.preRoll])], speaking: true }));
              } else if (ev.type === 'speech-audio') {
                utterance.push(ev.samples);
              } else if (ev.type === 'speech-end') {
                silenceMs = ev.atMs - ev.lastVoicedMs;
                this.sendVADEvent(event(VADEventType.END_OF_SPEECH, { frames: [frameOf(utterance)], speaking: false }));
                utterance = [];
                speechMs = 0;
              } else if (ev.type === 'probability') {
                if (ev.state === 'SILENCE') silenceMs += hopMs;
                else speechMs += hopMs;
                this.sendVADEvent(
                  event(VADEventType.INFERENCE_DONE, {
                    probability,
                    inferenceDuration,
                    frames: [new AudioFrame(h, VAD_SAMPLE_RATE, 1, hop)],
                  }),
                );
              }
            }
          }
          pending = joined.slice(o);
        }
      }
    } finally {
      resampler?.close();
      await detector.close();
    }
  }
}

/** First channel of an interleaved frame (the caller's voice is the same on every channel). */
function toMono(f: AudioFrame): Int16Array {
  if (f.channels === 1) return f.data.subarray(0, f.samplesPerChannel);
  const out = new Int16Array(f.samplesPerChannel);
  for (let i = 0; i < out.length; i++) out[i] = f.data[i * f.channels]!;
  return out;
}
