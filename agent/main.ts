import { cli, ServerOptions } from '@livekit/agents';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';

// The worker process: registers with LiveKit under the agent name (explicit dispatch only) and
// forks a job process per call, each running agent/job.ts.
const cfg = loadConfig();
const jobFile = fileURLToPath(new URL(`./job${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

cli.runApp(
  new ServerOptions({
    agent: jobFile,
    agentName: cfg.agentName,
    wsURL: cfg.livekit.url,
    apiKey: cfg.livekit.apiKey,
    apiSecret: cfg.livekit.apiSecret,
  }),
);
