import { parentPort } from 'node:worker_threads';
import { redactPii } from './pii.js';

/** The guardrail's thread: scans text off the caller's event loop (see redactor.ts). */
parentPort?.on('message', (msg: { id: number; text: string }) => {
  parentPort!.postMessage({ id: msg.id, result: redactPii(msg.text) });
});
