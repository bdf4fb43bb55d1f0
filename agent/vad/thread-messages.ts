import type { FrameResult, HopSize } from './types.js';

/** What a call's loop sends the VAD thread (agent/vad/vad-thread.ts). */
export type ToVadThread = { type: 'hop'; id: number; samples: Int16Array } | { type: 'reset' } | { type: 'close' };

/** What the VAD thread answers. */
export type FromVadThread =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; result: FrameResult }
  | { type: 'hop-failed'; id: number; message: string };

/** The thread's start-up data (workerData). */
export interface VadThreadInit {
  modelPath: string;
  hopSize: HopSize;
  threshold: number;
}
