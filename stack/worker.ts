import { onCores } from './cores.js';
import { startService, type Service } from './service.js';
import { ensureWorkerBuild } from './worker-build.js';

/**
 * Starts the Parley worker (the compiled `dist/agent/main.js start`, rebuilt first if agent/ has
 * changed) as its own process group, so stopping it also reaches the job processes it forks.
 * Ready once it has registered with livekit-server. `cores` (taskset's list) pins it and its jobs.
 */
/**
 * Node flags of the worker, which its job processes inherit (agents-js forks them with the
 * worker's execArgv). A young generation of at most 2 MB per semi-space: V8 otherwise grows it
 * once, 10–15 minutes into a call (the heap's reservation 54 → 78 MB), which read as a job RSS
 * slope of 0.5–1 MB/min over a long call and ~25 MB more per job, for the same CPU and loop delay
 * in one paired soak (docs/deployment.md). The same flag is in `npm run worker`.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=2'];

export async function startWorker(root: string, env: NodeJS.ProcessEnv, name = 'worker', cores?: string): Promise<Service> {
  const entry = await ensureWorkerBuild(root);
  // on given cores (the capacity sweep): its job processes inherit the affinity
  const node = [...WORKER_NODE_FLAGS, entry, 'start'];
  const [cmd, args] = onCores(cores, process.execPath, node);
  return startService(name, cmd, args, {
    env: { ...process.env, ...env },
    readyWhen: (text) => text.includes('registered worker'),
    readyTimeoutMs: 60_000,
    group: true,
  });
}
