import { cli, ServerOptions } from '@livekit/agents';
import { fileURLToPath } from 'node:url';
import { JobCapacity } from './capacity.js';
import { cpuBusyMeter } from './cpu.js';
import { loadConfig } from './config.js';

// The worker process: registers with LiveKit under the agent name (explicit dispatch only) and
// forks a job process per call, each running agent/job.ts.
const cfg = loadConfig();
const jobFile = fileURLToPath(new URL(`./job${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

// The machine's CPU share over each report interval: the jobs are separate processes, so the whole
// machine's load decides whether one more call still sounds smooth. Scaled so that reaching
// cfg.cpuFullAt reads as a load of 1 (full); 0 leaves CPU out.
const busy = cpuBusyMeter();
const cpuShare = async () => (cfg.cpuFullAt > 0 ? busy() / cfg.cpuFullAt : 0);
const capacity = new JobCapacity(cfg.maxJobs, cpuShare);

cli.runApp(
  new ServerOptions({
    agent: jobFile,
    agentName: cfg.agentName,
    requestFunc: capacity.request,
    loadFunc: capacity.load,
    // full at capacity, or when the machine's CPU reaches cfg.cpuFullAt
    loadThreshold: 1,
    numIdleProcesses: cfg.idleProcesses,
    wsURL: cfg.livekit.url,
    apiKey: cfg.livekit.apiKey,
    apiSecret: cfg.livekit.apiSecret,
  }),
);
