import type { AudioSource } from '@livekit/rtc-node';
import { Pacer, type PacerOptions } from './pacer.js';

/** The Realtime API's output: PCM16 mono at 24 kHz, published at that rate. */
export const PACER_SAMPLE_RATE = 24_000;
export const FRAME_MS = 20;
/** Frames the pacer keeps queued in the AudioSource ahead of the one playing. */
export const LEAD_FRAMES = 2;
/**
 * The AudioSource's native queue (queueSizeMs). The pacer keeps between LEAD_FRAMES and
 * LEAD_FRAMES + 1 frames in it, so with (lead + 1) frames every capture completes at once and the
 * rhythm stays ours; the queue never holds more than this, so a flush silences the agent within
 * one native tick and the played position stays within a frame. (The native side accepts up to
 * twice queueSizeMs before captureFrame waits.)
 */
export const SOURCE_QUEUE_MS = (LEAD_FRAMES + 1) * FRAME_MS;

/** The pacer for one call, metering into the call's published AudioSource. */
export function createPlayback(source: AudioSource, opts: Omit<PacerOptions, 'sampleRate' | 'frameMs' | 'leadFrames'> = {}): Pacer {
  if (source.sampleRate !== PACER_SAMPLE_RATE || source.numChannels !== 1) {
    throw new Error(`pacer needs a mono ${PACER_SAMPLE_RATE} Hz AudioSource, got ${source.numChannels}ch ${source.sampleRate} Hz`);
  }
  return new Pacer(source, { ...opts, sampleRate: PACER_SAMPLE_RATE, frameMs: FRAME_MS, leadFrames: LEAD_FRAMES });
}
