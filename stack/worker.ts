import { startService, type Service } from './service.js';
import { ensureWorkerBuild } from './worker-build.js';

/**
 * Starts the Parley worker (the compiled `dist/agent/main.js start`, rebuilt first if agent/ has
 * changed) as its own process group, so stopping it also reaches the job processes it forks.
 * Ready once it has registered with livekit-server.
 */
export async function startWorker(root: string, env: NodeJS.ProcessEnv, name = 'worker'): Promise<Service> {
  const entry = await ensureWorkerBuild(root);
  return startService(name, process.execPath, [entry, 'start'], {
    env: { ...process.env, ...env },
    readyWhen: (text) => text.includes('registered worker'),
    readyTimeoutMs: 60_000,
    group: true,
  });
}
