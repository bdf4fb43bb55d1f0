import { Worker } from 'node:worker_threads';
import { log } from '../log.js';
import { checkHopSize, refuseHop, TenVadDetector, type TenVadOptions } from './detector.js';
import { resolveModelPath } from './model-path.js';
import type { FromVadThread, ToVadThread, VadThreadInit } from './thread-messages.js';
import type { FrameDetector, FrameResult, HopSize } from './types.js';

/** What a hop from before a reset resolves to: the old stream's result must not reach the new one. */
const STALE: FrameResult = { index: -1, probability: 0, flag: false, warmup: true };

interface Pending {
  resolve(r: FrameResult): void;
  reject(e: Error): void;
  epoch: number;
}

/**
 * TEN VAD on a worker thread of the job: the same FrameDetector, but the features (FFT, pitch, LPC)
 * and the model run (onnxruntime-node runs it synchronously on the calling thread) happen off the
 * call's event loop, which then only posts each hop and reads back its probability. A CPU profile
 * of a job under load put them at ~9 of its 29 busy seconds, all on the loop the pacer's timer
 * needs (docs/deployment.md).
 *
 * Hops are transferred (copied once, no structured clone of the array); results come back in
 * order. If the thread dies, the detector goes on in-process (the call keeps its turns) after one
 * log line; the hops in flight then resolve as warm-up (probability 0).
 */
export class ThreadedVadDetector implements FrameDetector {
  readonly hopSize: HopSize;
  readonly threshold: number;
  #worker: Worker | null;
  #pending = new Map<number, Pending>();
  #seq = 0;
  #epoch = 0;
  #closed = false;
  /** In-process detector, once the thread has failed. */
  #fallback: Promise<TenVadDetector> | null = null;

  private constructor(
    worker: Worker,
    private readonly opts: Required<Pick<TenVadOptions, 'hopSize' | 'threshold' | 'modelPath'>>,
  ) {
    this.#worker = worker;
    this.hopSize = opts.hopSize;
    this.threshold = opts.threshold;
    worker.on('message', (m: FromVadThread) => this.#onMessage(m));
    worker.on('error', (e) => this.#lost(e.message));
    worker.on('exit', (code) => this.#lost(`exited with code ${code}`));
  }

  /** Starts the thread and loads the model there; rejects if it cannot (a bad model path, say). */
  static async create(
    o: TenVadOptions & { /** The thread's entry; only tests give another. */ entry?: URL },
  ): Promise<ThreadedVadDetector> {
    const opts = { hopSize: o.hopSize, threshold: o.threshold ?? 0.5, modelPath: o.modelPath ?? resolveModelPath() };
    checkHopSize(opts.hopSize);
    // Compiled (dist/), the thread runs vad-thread.js as it is; from source (tests, tools), its
    // JavaScript entry registers tsx first, as a thread does not inherit the --import loader.
    const compiled = import.meta.url.endsWith('.js');
    const init: VadThreadInit = opts;
    const entry = o.entry ?? new URL(compiled ? './vad-thread.js' : './vad-thread-boot.mjs', import.meta.url);
    const worker = new Worker(entry, { workerData: init });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromVadThread) => {
        if (m.type === 'ready') resolve();
        if (m.type === 'failed') reject(new Error(`VAD thread: ${m.message}`));
        if (m.type === 'ready' || m.type === 'failed') off();
      };
      const onExit = (code: number) => {
        off();
        reject(new Error(`VAD thread exited (code ${code}) before it was ready`));
      };
      const off = () => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
    }).catch(async (e: unknown) => {
      await worker.terminate();
      throw e;
    });
    return new ThreadedVadDetector(worker, opts);
  }

  process(hop: Int16Array): Promise<FrameResult> {
    const refused = refuseHop('ThreadedVadDetector', hop, this.hopSize, this.#closed);
    if (refused) return Promise.reject(refused);
    if (this.#fallback) return this.#fallback.then((d) => d.process(hop));
    const id = ++this.#seq;
    // the caller may reuse its buffer: the thread gets a copy of its own, moved rather than cloned
    const samples = hop.slice();
    const p = new Promise<FrameResult>((resolve, reject) => this.#pending.set(id, { resolve, reject, epoch: this.#epoch }));
    this.#post({ type: 'hop', id, samples }, [samples.buffer]);
    return p;
  }

  reset(): void {
    this.#epoch++;
    if (this.#fallback) void this.#fallback.then((d) => d.reset());
    else this.#post({ type: 'reset' });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const w = this.#worker;
    this.#worker = null;
    for (const p of this.#pending.values()) p.resolve(STALE);
    this.#pending.clear();
    if (w) {
      w.postMessage({ type: 'close' } satisfies ToVadThread);
      // the thread closes its model and then its port; terminate is the bound if it cannot
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      const timer = setTimeout(() => void w.terminate(), 1000);
      await exited;
      clearTimeout(timer);
    }
    await this.#fallback?.then((d) => d.close()).catch(() => undefined);
  }

  #post(m: ToVadThread, transfer: ArrayBuffer[] = []): void {
    this.#worker?.postMessage(m, transfer);
  }

  #onMessage(m: FromVadThread): void {
    if (m.type !== 'result' && m.type !== 'hop-failed') return;
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (m.type === 'hop-failed') p.reject(new Error(`VAD thread: ${m.message}`));
    else p.resolve(p.epoch === this.#epoch ? m.result : STALE);
  }

  /** The thread is gone while the call still needs it: go on in-process. */
  #lost(reason: string): void {
    if (this.#closed || !this.#worker) return;
    this.#worker = null;
    log.error({ reason }, 'VAD thread lost; the call goes on with the VAD in-process');
    this.#fallback = TenVadDetector.create(this.opts);
    this.#fallback.catch(() => undefined);
    for (const p of this.#pending.values()) p.resolve(STALE);
    this.#pending.clear();
  }
}
