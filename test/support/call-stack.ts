import { dispose } from '@livekit/rtc-node';
import { type StandinOptions, startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import type { Service } from '../../stack/service.js';
import { Calls } from '../../callers/dispatch.js';
import { startTestStack, startTestWorker, type TestStack } from '../../stack/test-stack.js';

export interface CallStack {
  stack: TestStack;
  peer: RealtimeStandin;
  worker: Service;
  calls: Calls;
  stop(): Promise<void>;
}

/** The whole stack for WebRTC call tests: livekit-server + Redis, the local stand-in, the worker (idle timers off). */
export async function startCallStack(
  roomPrefix: string,
  workerEnv: NodeJS.ProcessEnv = {},
  standin: StandinOptions = {},
): Promise<CallStack> {
  const stack = await startTestStack();
  const peer = await startRealtimeStandin({ ...standin, host: '127.0.0.1', port: 0 });
  const worker = await startTestWorker(stack, `${peer.url}/v1`, { PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0', ...workerEnv });
  const calls = new Calls(stack, roomPrefix);
  return {
    stack,
    peer,
    worker,
    calls,
    stop: async () => {
      calls.close();
      await worker.stop();
      await peer.close();
      await stack.stop();
      await dispose();
    },
  };
}
