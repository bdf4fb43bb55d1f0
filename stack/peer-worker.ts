import { join } from 'node:path';
import type { TestStack } from './test-stack.js';
import { startService, type Service } from './service.js';
import { ensureWorkerBuild } from './worker-build.js';

/** The agent name the stock agents-js peer registers under (peer/agents-js/main.ts). */
export const PEER_AGENT_NAME = 'agents-js-stock';

/**
 * Starts the stock agents-js worker of peer/agents-js (compiled, like Parley's: a job process
 * under tsx costs about twice the CPU to start and ~65 MB more, see tsconfig.build.json) on this
 * stack, pointed at a Realtime stand-in through the plain environment the OpenAI plugin reads.
 * No Node flags: a stock deployment runs `node main.js start` (Parley's worker ships with
 * `--max-semi-space-size=2`, ~25 MB less per job: that is part of what is compared). Its own
 * process group: stopping it reaches its job processes.
 */
export async function startPeerWorker(root: string, stack: TestStack, standinUrl: string, name = 'worker-agents-js'): Promise<Service> {
  await ensureWorkerBuild(root);
  const entry = join(root, 'dist', 'peer', 'agents-js', 'main.js');
  return startService(name, process.execPath, [entry, 'start'], {
    env: {
      ...process.env,
      LIVEKIT_URL: stack.url,
      LIVEKIT_API_KEY: stack.apiKey,
      LIVEKIT_API_SECRET: stack.apiSecret,
      OPENAI_BASE_URL: `${standinUrl}/v1`,
      // the stand-in takes any bearer token (and, like the API, refuses none)
      OPENAI_API_KEY: 'local-standin',
      PEER_AGENT_NAME,
    },
    readyWhen: (text) => text.includes('registered worker'),
    readyTimeoutMs: 60_000,
    group: true,
  });
}
