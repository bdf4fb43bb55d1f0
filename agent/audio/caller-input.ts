import { log } from '../log.js';
import { VAD_SAMPLE_RATE, type FrameDetector, type GateEvent } from '../vad/types.js';
import { InputLateness } from './input-lateness.js';

/** What the input stage needs of the gate (agent/vad/gate.ts). */
export interface Gate {
  push(hop: Int16Array, probability: number): GateEvent[];
}

export interface CallerInputHandlers {
  /**
   * Every gate event, with a mapping from the gate's stream time to wall-clock ms, and how late
   * the hop that made it was read behind the audio's own pace (agent/audio/input-lateness.ts).
   */
  onGateEvent(ev: GateEvent, wallOf: (streamMs: number) => number, inputLateMs: number): void;
  /** Every hop of caller audio (server-VAD mode streams all of it). */
  onHop?(hop: Int16Array): void;
  /**
   * The input broke (the stream or the detector threw): from now on this caller is not heard, so
   * the call must say so and end rather than sit deaf until the idle goodbye. Not called when the
   * track simply ends (unpublished, hung up) or after stop().
   */
  onFailure(error: Error): void;
}

/** One hop of caller audio as the input reads it (rtc-node's AudioFrame has this shape). */
export interface HopFrame {
  samplesPerChannel: number;
  data: Int16Array;
}

/**
 * Stage 1 of the audio path: the caller's audio as 16 kHz mono hops → frame detector → gate →
 * handlers. The hops come from the transport (agent/call/transport.ts): a LiveKit track resampled
 * and framed natively by rtc-node's AudioStream, or a Twilio stream's μ-law decoded and re-framed.
 *
 * Wall-clock mapping: a hop's arrival time is taken when it leaves the stream, before inference, so
 * a slow inference cannot make speech end look later than it was.
 */
export class CallerInput<Source = unknown> {
  readonly #reader: ReadableStreamDefaultReader<HopFrame>;
  #stopped = false;
  #hops = 0;
  readonly #lateness = new InputLateness();
  readonly done: Promise<void>;

  constructor(
    /** What the hops come from (the track), so a caller can tell one input from the next. */
    readonly source: Source,
    hops: ReadableStream<HopFrame>,
    private readonly detector: FrameDetector,
    private readonly gate: Gate,
    private readonly handlers: CallerInputHandlers,
  ) {
    this.#reader = hops.getReader();
    this.done = this.#run((detector.hopSize / VAD_SAMPLE_RATE) * 1000);
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
        // once per input: a call whose caller is never heard says whether any audio came at all
        if (this.#hops === 0) log.info({ hopSize }, 'caller audio flowing');
        this.handlers.onHop?.(hop);
        const { probability } = await this.detector.process(hop);
        this.#hops++;
        const endMs = this.#hops * hopMs;
        const wallOf = (streamMs: number) => arrivedAt - (endMs - streamMs);
        const lateMs = this.#lateness.observe(arrivedAt, endMs);
        for (const ev of this.gate.push(hop, probability)) this.handlers.onGateEvent(ev, wallOf, lateMs);
      }
    } catch (e) {
      if (this.#stopped) return;
      const err = e instanceof Error ? e : new Error(String(e));
      log.error({ err: err.message, hops: this.#hops }, 'caller input failed');
      this.handlers.onFailure(err);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    // the stream may already be closed (the track went away first): nothing left to cancel
    await this.#reader.cancel().catch((e: Error) => log.debug({ err: e.message }, 'caller input: cancel after close'));
    await this.done;
  }
}
