import { AudioStream, type RemoteTrack } from '@livekit/rtc-node';
import { log } from '../log.js';
import { VAD_SAMPLE_RATE, type FrameDetector, type GateEvent } from '../vad/types.js';

/** What the input stage needs of the gate (agent/vad/gate.ts). */
export interface Gate {
  push(hop: Int16Array, probability: number): GateEvent[];
}

export interface CallerInputHandlers {
  /** Every gate event, with a mapping from the gate's stream time to wall-clock ms. */
  onGateEvent(ev: GateEvent, wallOf: (streamMs: number) => number): void;
  /** Every hop of caller audio (server-VAD mode streams all of it). */
  onHop?(hop: Int16Array): void;
}

/**
 * Stage 1 of the audio path: the caller's room track → 16 kHz mono hops (resampled and framed
 * natively by rtc-node's AudioStream) → frame detector → gate → handlers.
 *
 * Wall-clock mapping: a hop's arrival time is taken when it leaves the stream, before inference, so
 * a slow inference cannot make speech end look later than it was.
 */
export class CallerInput {
  readonly #reader: ReadableStreamDefaultReader<import('@livekit/rtc-node').AudioFrame>;
  #stopped = false;
  #hops = 0;
  readonly done: Promise<void>;

  constructor(
    track: RemoteTrack,
    private readonly detector: FrameDetector,
    private readonly gate: Gate,
    private readonly handlers: CallerInputHandlers,
  ) {
    const hopMs = (detector.hopSize / VAD_SAMPLE_RATE) * 1000;
    const stream = new AudioStream(track, { sampleRate: VAD_SAMPLE_RATE, numChannels: 1, frameSizeMs: hopMs });
    this.#reader = stream.getReader();
    this.done = this.#run(hopMs);
  }

  async #run(hopMs: number): Promise<void> {
    const hopSize = this.detector.hopSize;
    try {
      for (;;) {
        const { value: frame, done } = await this.#reader.read();
        if (done || this.#stopped) break;
        const arrivedAt = Date.now();
        if (frame.samplesPerChannel !== hopSize) {
          // native framing gives exact hops; anything else would shift every timestamp
          log.warn({ got: frame.samplesPerChannel, hopSize }, 'unexpected frame size from AudioStream; skipped');
          continue;
        }
        const hop = frame.data;
        this.handlers.onHop?.(hop);
        const { probability } = await this.detector.process(hop);
        this.#hops++;
        const endMs = this.#hops * hopMs;
        const wallOf = (streamMs: number) => arrivedAt - (endMs - streamMs);
        for (const ev of this.gate.push(hop, probability)) this.handlers.onGateEvent(ev, wallOf);
      }
    } catch (e) {
      if (!this.#stopped) log.error({ err: (e as Error).message }, 'caller input failed');
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#reader.cancel().catch(() => {});
    await this.done;
  }
}
