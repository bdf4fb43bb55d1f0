import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { DEV_API_KEY, DEV_API_SECRET } from '../agent/config/config.js';
import { freePort } from '../agent/util/free-port.js';
import { startLivekit, type LivekitNode } from './livekit.js';
import { startRedis } from './redis.js';
import type { Service } from './service.js';
import { startTwilioGateway } from './twilio.js';
import { startWorker } from './worker.js';

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

export interface TestStack {
  /** ws:// URL of livekit-server, on the namespace's veth address. */
  url: string;
  httpUrl: string;
  redisPort: number;
  redisUrl: string;
  apiKey: string;
  apiSecret: string;
  dispatch: AgentDispatchClient;
  rooms: RoomServiceClient;
  /** livekit-server's log (out/logs): what it records of jobs is only there (see test/support/job-states.ts). */
  livekitLog: string;
  /** livekit-server's process (a test may stall it: SIGSTOP, SIGCONT). */
  livekitPid: number;
  stop(): Promise<void>;
}

/**
 * Real Redis and livekit-server for one test file. Must run inside the test namespace
 * (scripts/test.sh puts the whole test run there and sets PARLEY_NODE_IP).
 */
export async function startTestStack(): Promise<TestStack> {
  const nodeIp = process.env.PARLEY_NODE_IP;
  if (!nodeIp) {
    throw new Error('PARLEY_NODE_IP is not set: integration tests run inside the test namespace (npm test).');
  }
  const redisPort = Number(process.env.PARLEY_TEST_REDIS_PORT ?? 6390);
  const redis = await startRedis(redisPort);
  try {
    const lk = await startLivekit(ROOT, { nodeIp, redisPort });
    return stackOfNode(lk, redisPort, async () => {
      await lk.stop();
      await redis?.stop();
    });
  } catch (e) {
    await redis?.stop();
    throw e;
  }
}

/** One livekit-server node (and the Redis it shares) as a TestStack: what workers, callers and SIP are pointed at. */
export function stackOfNode(lk: LivekitNode, redisPort: number, stop: () => Promise<void>): TestStack {
  return {
    url: lk.url,
    httpUrl: lk.httpUrl,
    redisPort,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    apiKey: DEV_API_KEY,
    apiSecret: DEV_API_SECRET,
    dispatch: new AgentDispatchClient(lk.httpUrl, DEV_API_KEY, DEV_API_SECRET),
    rooms: new RoomServiceClient(lk.httpUrl, DEV_API_KEY, DEV_API_SECRET),
    livekitLog: lk.logFile,
    livekitPid: lk.pid,
    stop,
  };
}

/** What every call process of the tests runs with: this stack, a Realtime stand-in, no greeting, capacity by count. */
export function testCallEnv(stack: TestStack, peerUrl: string): NodeJS.ProcessEnv {
  return {
    LIVEKIT_URL: stack.url,
    LIVEKIT_API_KEY: stack.apiKey,
    LIVEKIT_API_SECRET: stack.apiSecret,
    REDIS_URL: stack.redisUrl,
    PARLEY_PEER_URL: peerUrl,
    OPENAI_API_KEY: '',
    // the tests themselves saturate two cores; capacity by job count only, or calls get refused
    PARLEY_CPU_FULL_AT: '0',
    // a free port for the worker's health server: some tests and runners start several workers
    PARLEY_WORKER_PORT: '0',
    PARLEY_METRICS_PORT: '0',
    // the tests say who speaks first; a test of the greeting turns it on
    PARLEY_GREETING_SIP: 'none',
    PARLEY_GREETING_WEBRTC: 'none',
    PARLEY_GREETING_TWILIO: 'none',
  };
}

/** The worker, pointed at this stack and at a Realtime stand-in. */
export function startTestWorker(
  stack: TestStack,
  peerUrl: string,
  extra: NodeJS.ProcessEnv = {},
  name = 'worker',
  cores?: string,
): Promise<Service> {
  return startWorker(ROOT, { ...testCallEnv(stack, peerUrl), ...extra }, name, cores);
}

/**
 * The Twilio gateway on a free loopback port, pointed at this stack's Redis, a Realtime stand-in
 * and (PARLEY_TWILIO_API_URL in `extra`) a REST stand-in. `url` is its public URL (what
 * signatures are computed over).
 */
export async function startTestTwilioGateway(
  stack: TestStack,
  peerUrl: string,
  extra: NodeJS.ProcessEnv = {},
  name = 'twilio',
): Promise<{ service: Service; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await startTwilioGateway(
    ROOT,
    {
      ...testCallEnv(stack, peerUrl),
      PARLEY_TWILIO_HOST: '127.0.0.1',
      PARLEY_TWILIO_PORT: String(port),
      PARLEY_TWILIO_PUBLIC_URL: url,
      ...extra,
    },
    name,
  );
  return { service, url };
}
