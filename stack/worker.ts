import { startService, type Service } from './service.js';
import { ensureWorkerBuild } from './worker-build.js';

/**
 * Starts the Parley worker (the compiled `dist/agent/main.js start`, rebuilt first if agent/ has
 * changed) as its own process group, so stopping it also reaches the job processes it forks.
 * Ready once it has registered with livekit-server. `cores` (taskset's list) pins it and its jobs.
 */
export async function startWorker(root: string, env: NodeJS.ProcessEnv, name = 'worker', cores?: string): Promise<Service> {
  const entry = await ensureWorkerBuild(root);
  // on given cores (the capacity sweep): its job processes inherit the affinity
  const [cmd, args] = cores ? ['taskset', ['-c', cores, process.execPath, entry, 'start']] : [process.execPath, [entry, 'start']];
  return startService(name, cmd, args, {
    env: { ...process.env, ...env },
    readyWhen: (text) => text.includes('registered worker'),
    readyTimeoutMs: 60_000,
    group: true,
  });
}
