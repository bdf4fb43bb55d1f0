import { parentPort, workerData } from 'node:worker_threads';
import { TenVadDetector } from './detector.js';
import type { FromVadThread, ToVadThread, VadThreadInit } from './thread-messages.js';

/**
 * The VAD thread of one call (agent/vad/threaded-detector.ts): TEN VAD's features and its model
 * run here, off the call's event loop, hop by hop in the order the hops came. Messages are
 * handled in order, so a reset lands between the hops it separates.
 */
const port = parentPort;
if (!port) throw new Error('vad-thread.ts runs as a worker thread');
const send = (m: FromVadThread) => port.postMessage(m);
const init = workerData as VadThreadInit;

TenVadDetector.create({ modelPath: init.modelPath, hopSize: init.hopSize, threshold: init.threshold }).then(
  (detector) => {
    port.on('message', (m: ToVadThread) => {
      if (m.type === 'hop') {
        detector.process(m.samples).then(
          (result) => send({ type: 'result', id: m.id, result }),
          (e: Error) => send({ type: 'hop-failed', id: m.id, message: e.message }),
        );
      } else if (m.type === 'reset') {
        detector.reset();
      } else {
        void detector.close().finally(() => port.close());
      }
    });
    send({ type: 'ready' });
  },
  (e: Error) => send({ type: 'failed', message: e.message }),
);
