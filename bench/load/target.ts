import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import type { AudioStall } from '../../openai-standin/script.js';
import { startRealtimeStandin } from '../../openai-standin/server.js';
import type { Service } from '../../stack/service.js';
import { startTestStack, startTestWorker, type TestStack } from '../../stack/test-stack.js';

/** Where load goes: LiveKit to dispatch and call into, and the Redis the workers record to. */
export type LoadTarget = Pick<TestStack, 'url' | 'apiKey' | 'apiSecret' | 'dispatch' | 'rooms' | 'redisUrl'>;

export interface Target {
  target: LoadTarget;
  /** Starts a worker on the local stack (refused for an external deployment), on `cores` if given. */
  startWorker(env: NodeJS.ProcessEnv, name: string, cores?: string): Promise<Service>;
  local: boolean;
  /**
   * What the local stand-in says in every answer (null for a deployment: not ours to know), so
   * the callers' side can be held against the exact PCM sent (report/heard-answers.ts).
   */
  answer: string | null;
  stop(): Promise<void>;
}

/** Every answer of the local stand-in under load: about as long as its default replies (~4 s). */
export const LOAD_ANSWER = 'Sure. It looks mild and sunny today, with a light breeze in the afternoon.';

/**
 * The local stack in the test namespace (livekit-server, Redis, the Realtime stand-in with a
 * log-normal model latency), or, with `url`, a running deployment whose workers are not ours.
 */
export async function loadTarget(o: { url?: string; modelMedianMs: number; stalls?: AudioStall[] }): Promise<Target> {
  if (o.url) {
    if (o.stalls) throw new Error('--inject-holes needs the local stand-in: a deployment’s model is not ours to stall');
    const { LIVEKIT_API_KEY: apiKey, LIVEKIT_API_SECRET: apiSecret, REDIS_URL: redisUrl } = process.env;
    if (!apiKey || !apiSecret || !redisUrl)
      throw new Error('--url needs LIVEKIT_API_KEY, LIVEKIT_API_SECRET and REDIS_URL (the workers’ Redis)');
    const http = o.url.replace(/^ws/, 'http');
    return {
      target: {
        url: o.url,
        apiKey,
        apiSecret,
        redisUrl,
        dispatch: new AgentDispatchClient(http, apiKey, apiSecret),
        rooms: new RoomServiceClient(http, apiKey, apiSecret),
      },
      startWorker: () => Promise.reject(new Error('the deployment’s workers are not ours to start')),
      local: false,
      answer: null,
      stop: async () => {},
    };
  }
  if (!process.env.PARLEY_NODE_IP) throw new Error('the load runner needs the test namespace: run it with `npm run load` / `npm run soak`');
  const stack = await startTestStack();
  const peer = await startRealtimeStandin({ host: '127.0.0.1', port: 0 }).catch(async (e) => {
    await stack.stop();
    throw e;
  });
  const { stalls } = o;
  peer.setScript({
    reply: () => LOAD_ANSWER,
    modelLatencyMs: { kind: 'lognormal', medianMs: o.modelMedianMs, sigma: 0.45 },
    seed: 11,
    // every answer alike; not the greeting (asked for with instructions), which no caller's turn holds
    ...(stalls ? { lateAudio: (_n: number, instructions: string | undefined) => (instructions ? undefined : stalls) } : {}),
  });
  return {
    target: stack,
    startWorker: (env, name, cores) =>
      startTestWorker(stack, `${peer.url}/v1`, { PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0', ...env }, name, cores),
    local: true,
    answer: LOAD_ANSWER,
    stop: async () => {
      await peer.close();
      await stack.stop();
    },
  };
}
