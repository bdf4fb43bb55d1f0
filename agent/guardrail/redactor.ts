import { Worker } from 'node:worker_threads';
import { log } from '../log.js';
import { redactPii, type Redaction } from './pii.js';

/**
 * Redacts PII on a worker thread, so scanning a long transcript never delays the audio loop.
 * One thread per job process, started on first use. If the thread dies, pending texts are scanned
 * in-process rather than lost or let through unredacted, and the next call starts a new thread.
 */
export class PiiRedactor {
  #worker: Worker | null = null;
  #next = 0;
  readonly #pending = new Map<number, { text: string; resolve: (r: Redaction) => void }>();
  #closed = false;
  #fallbacks = 0;

  /** Texts scanned in-process because the thread was gone (should stay 0). */
  get fallbacks(): number {
    return this.#fallbacks;
  }

  redact(text: string): Promise<Redaction> {
    if (!text) return Promise.resolve({ text, found: [] });
    if (this.#closed) return Promise.resolve(redactPii(text));
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, { text, resolve });
      this.#thread().postMessage({ id, text });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#failPending();
    const w = this.#worker;
    this.#worker = null;
    await w?.terminate();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    // Compiled (dist/), the thread runs pii-worker.js as it is; from source (tests, tools), its
    // JavaScript entry registers tsx first, as a thread does not inherit the --import loader.
    const compiled = import.meta.url.endsWith('.js');
    const w = new Worker(new URL(compiled ? './pii-worker.js' : './pii-worker-boot.mjs', import.meta.url));
    w.unref();
    w.on('message', (m: { id: number; result: Redaction }) => {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      p?.resolve(m.result);
    });
    w.on('error', (e) => {
      log.error({ err: e.message }, 'guardrail thread failed; scanning in-process');
      if (this.#worker === w) this.#worker = null;
      this.#failPending();
    });
    w.on('exit', () => {
      if (this.#worker === w) this.#worker = null;
      this.#failPending();
    });
    this.#worker = w;
    return w;
  }

  #failPending(): void {
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      this.#fallbacks++;
      p.resolve(redactPii(p.text));
    }
  }
}
