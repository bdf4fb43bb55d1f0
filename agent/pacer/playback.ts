import { type FrameSink, Pacer, type PacerOptions } from './pacer.js';

/** The Realtime API's output: PCM16 mono at 24 kHz, published at that rate. */
export const PACER_SAMPLE_RATE = 24_000;
export const FRAME_MS = 20;
/** Frames the pacer keeps queued in the AudioSource ahead of the one playing, by default. */
export const LEAD_FRAMES = 2;
/**
 * The AudioSource's native queue (queueSizeMs) for a lead of `leadFrames`. The pacer keeps
 * between lead and lead + 1 frames in it, so with (lead + 1) frames every capture completes at
 * once and the rhythm stays ours; the queue never holds more than this, and a flush clears it
 * (clearQueue), so a deeper cushion does not delay a barge-in: it only lets a later hand-off
 * (a stalled event loop) go unheard. (The native side accepts up to twice queueSizeMs before
 * captureFrame waits.)
 */
export const sourceQueueMs = (leadFrames = LEAD_FRAMES) => (leadFrames + 1) * FRAME_MS;
export const SOURCE_QUEUE_MS = sourceQueueMs();

/**
 * The cushion by default (PARLEY_PACER_CUSHION_MS): 100 ms, a 120 ms native queue. Measured in four
 * pinned pairs of three calls on one core (docs/deployment.md, "A deeper cushion"): the pacer's
 * holes 3 / 1 / 19 / 6 at 40 ms → 0 / 0 / 0 / 1, the callers' 33 → 12, turn latency the same (the
 * first lead + 1 frames go at once) and a barge-in clears the queue, so depth costs no delay.
 */
export const DEFAULT_CUSHION_MS = 100;

/** The cushion setting (ms, PARLEY_PACER_CUSHION_MS) as whole frames of lead, at least one. */
export const leadFramesFor = (cushionMs: number) => Math.max(1, Math.round(cushionMs / FRAME_MS));

/**
 * The pacer for one call, metering into the call's output: the published AudioSource (made with
 * sourceQueueMs(leadFrames)) or a Twilio stream. `onFrame` sees every frame as it is handed over (its samples and
 * the wall ms): the echo detector's record of what the caller was sent. It runs on the pacer's
 * path, so it must be cheap.
 */
export function createPlayback(
  source: FrameSink & { readonly sampleRate: number; readonly numChannels?: number },
  opts: Omit<PacerOptions, 'sampleRate' | 'frameMs'> & { onFrame?: (pcm: Int16Array, at: number) => void } = {},
): Pacer {
  if (source.sampleRate !== PACER_SAMPLE_RATE || (source.numChannels ?? 1) !== 1) {
    throw new Error(`pacer needs a mono ${PACER_SAMPLE_RATE} Hz output, got ${source.numChannels ?? 1}ch ${source.sampleRate} Hz`);
  }
  const { onFrame, ...pacerOpts } = opts;
  const sink: FrameSink = onFrame
    ? {
        captureFrame: (frame, tag) => {
          onFrame(frame.data, Date.now());
          return source.captureFrame(frame, tag);
        },
        clearQueue: () => source.clearQueue(),
        ...(source.playedMs ? { playedMs: (id: string) => source.playedMs?.(id) } : {}),
      }
    : source;
  return new Pacer(sink, { leadFrames: LEAD_FRAMES, ...pacerOpts, sampleRate: PACER_SAMPLE_RATE, frameMs: FRAME_MS });
}
