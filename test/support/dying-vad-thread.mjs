// A VAD thread that answers three hops (probability 0.25 each) and then dies, as a thread can
// (an out-of-memory abort, a native crash): agent/vad/threaded-detector.test.ts checks the call
// goes on with the VAD in-process.
import { parentPort } from 'node:worker_threads';

let answered = 0;
parentPort.on('message', (m) => {
  if (m.type !== 'hop') return;
  if (answered === 3) process.exit(1);
  parentPort.postMessage({ type: 'result', id: m.id, result: { index: answered, probability: 0.25, flag: false } });
  answered++;
});
parentPort.postMessage({ type: 'ready' });
