import { cli, ServerOptions } from '@livekit/agents';
import { fileURLToPath } from 'node:url';

/**
 * The stock agents-js worker (`node --import tsx peer/agents-js/main.ts start`): explicit dispatch
 * under its own agent name, so it shares a livekit-server with Parley's worker without taking
 * Parley's calls. LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET as agents-js reads them.
 *
 * Two settings differ from a bare `ServerOptions`, both worker capacity, neither on the call path:
 * the load reported is 0 (agents-js' default reports machine CPU, and on a 2-core box shared with
 * the benchmark's callers it would mark itself full and livekit-server would stop dispatching;
 * Parley's worker runs with capacity by count in the benchmarks for the same reason), and the
 * health port is free (0) because two workers run on one machine.
 */
const agentFile = fileURLToPath(new URL(`./agent${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

cli.runApp(
  new ServerOptions({
    agent: agentFile,
    agentName: process.env.PEER_AGENT_NAME ?? 'agents-js-stock',
    loadFunc: async () => 0,
    port: 0,
  }),
);
