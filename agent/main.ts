import { cli, ServerOptions } from '@livekit/agents';
import { fileURLToPath } from 'node:url';
import { JobCapacity } from './capacity.js';
import { cpuBusyMeter } from './cpu.js';
import { ConfigError } from './config/parse.js';
import { loadConfig, type ParleyConfig } from './config/config.js';
import { configureLog, log } from './log.js';
import { serveMetrics } from './metrics/metrics-server.js';
import { WorkerMetrics } from './metrics/prometheus.js';
import { RecordFollower } from './metrics/record-follower.js';
import { workerId } from './metrics/recorder.js';
import { freePort } from './util/free-port.js';

// The worker process: registers with LiveKit under the agent name (explicit dispatch only) and
// forks a job process per call, each running agent/job.ts. A bad configuration stops it here,
// before it takes a call, with every problem listed.
let cfg: ParleyConfig;
try {
  cfg = loadConfig();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`parley worker: ${e.message}`);
  process.exit(2);
}
configureLog({ level: cfg.logLevel });
const jobFile = fileURLToPath(new URL(`./job${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

// The machine's CPU share over each report interval: the jobs are separate processes, so the whole
// machine's load decides whether one more call still sounds smooth. Scaled so that reaching
// cfg.cpuFullAt reads as a load of 1 (full); 0 leaves CPU out.
const busy = cpuBusyMeter();
const cpuShare = async () => (cfg.cpuFullAt > 0 ? busy() / cfg.cpuFullAt : 0);
const capacity = new JobCapacity(cfg.maxJobs, cpuShare, Date.now, undefined, cfg.serverTargetLoad);

// Prometheus: this worker's calls, from the records its jobs write (agent/metrics/prometheus.ts).
// A port already taken leaves the worker without metrics, not without calls.
const metrics = new WorkerMetrics(() => capacity.active);
const follower = new RecordFollower(cfg.redisUrl, workerId(process.pid), metrics);
await serveMetrics(metrics.registry, cfg.metrics.host, cfg.metrics.port).then(
  ({ url }) => log.info({ url }, 'metrics'),
  (e: Error) => log.error({ err: e.message, port: cfg.metrics.port }, 'the metrics endpoint could not start'),
);
process.once('exit', () => follower.close());

// @livekit/agents starts a process for LiveKit's local end-of-turn model on every worker (~300 MB
// and the CPU to load it). Parley's turns are its own (agent/turns), so none is started: our patch
// of the framework reads this (patches/@livekit+agents+1.9.0.patch).
process.env.LIVEKIT_AGENTS_LOCAL_EOT = 'off';
// @livekit/agents 1.9 also watches the loop of the worker and of every job process, idle ones too:
// a 20 ms timer, a watchdog worker thread (a second V8 isolate) and a GC observer. On these VMs a
// wake-up is dear, and it cost the worker ~1 point of a core and each process ~6–10 MB
// (docs/deployment.md). Parley measures its calls' loops itself (agent/metrics/loop-delay.ts, per
// turn and per call), so the framework's is off unless the operator sets it (0 turns it off).
process.env.LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS ??= '0';

cli.runApp(
  new ServerOptions({
    agent: jobFile,
    agentName: cfg.agentName,
    requestFunc: capacity.request,
    loadFunc: capacity.load,
    // full at capacity, or when the machine's CPU reaches cfg.cpuFullAt: reported as the server's
    // target load, beyond which livekit-server sends the worker no jobs (agent/capacity.ts)
    loadThreshold: cfg.serverTargetLoad,
    numIdleProcesses: cfg.idleProcesses,
    // A warm process loads the VAD model (and starts its thread) before it takes a call. On a busy
    // machine that took longer than the framework's 10 s; it then kills the process and starts
    // another, which is as slow: the retries themselves kept the CPU busy and no call got an agent.
    initializeProcessTimeout: 30_000,
    // @livekit/agents reads 0 as "the default" (8081), so a free port is picked here
    port: cfg.workerHttpPort || (await freePort()),
    wsURL: cfg.livekit.url,
    apiKey: cfg.livekit.apiKey,
    apiSecret: cfg.livekit.apiSecret,
  }),
);
