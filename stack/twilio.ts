import { join } from 'node:path';
import { startService, type Service } from './service.js';
import { WORKER_NODE_FLAGS } from './worker.js';
import { ensureWorkerBuild } from './worker-build.js';

/**
 * Starts the Twilio Media Streams gateway (the compiled `dist/agent/twilio-main.js`, built with
 * the worker) as its own process group, so stopping it reaches its call processes too. Ready once
 * it listens; `env` carries the same call settings as the worker's plus the gateway's own
 * (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PARLEY_TWILIO_PORT, …).
 */
export async function startTwilioGateway(root: string, env: NodeJS.ProcessEnv, name = 'twilio'): Promise<Service> {
  const main = await ensureWorkerBuild(root);
  const entry = join(main, '..', 'twilio-main.js');
  return startService(name, process.execPath, [...WORKER_NODE_FLAGS, entry], {
    env: { ...process.env, ...env },
    readyWhen: (text) => text.includes('twilio gateway listening'),
    readyTimeoutMs: 60_000,
    group: true,
  });
}
