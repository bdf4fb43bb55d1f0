import { join } from 'node:path';
import { startService, type Service } from './service.js';

/**
 * Starts the Parley worker (`agent/main.ts start`) as its own process group, so stopping it also
 * reaches the job processes it forks. Ready once it has registered with livekit-server.
 */
export async function startWorker(root: string, env: NodeJS.ProcessEnv, name = 'worker'): Promise<Service> {
  return startService(name, process.execPath, ['--import', 'tsx', join(root, 'agent', 'main.ts'), 'start'], {
    env: { ...process.env, ...env },
    readyWhen: (text) => text.includes('registered worker'),
    readyTimeoutMs: 60_000,
    group: true,
  });
}
