import { Redis } from 'ioredis';
import { startLivekit, type LivekitNode } from './livekit.js';
import { startRedis } from './redis.js';
import { ROOT, stackOfNode, type TestStack } from './test-stack.js';

/** One livekit-server node of the cluster, as a stack workers, callers and SIP can be pointed at. */
export type ClusterNode = TestStack & { nodeId: string; name: string };

export interface ClusterStack {
  nodes: ClusterNode[];
  redisPort: number;
  redisUrl: string;
  /** The node hosting `room` now (Redis's room_node_map, LiveKit's own routing table), or null. */
  nodeOf(room: string): Promise<ClusterNode | null>;
  stop(): Promise<void>;
}

/**
 * LiveKit's distributed mode in the test namespace: two livekit-server nodes sharing one Redis,
 * each on its own address of the veth pair (so each advertises its own ICE candidates) and its
 * own ports. A room lives on one node; a client signalling through the other is bridged to it
 * over Redis, and agent jobs are routed to workers on either node. Rooms are placed on the node
 * with the fewest rooms (`node_selector.sort_by rooms`) rather than at random, so that a test
 * creating rooms one after another finds them on both nodes.
 */
export async function startClusterStack(): Promise<ClusterStack> {
  const ips = [process.env.PARLEY_NODE_IP, process.env.PARLEY_PEER_IP ?? '10.77.0.2'];
  if (!ips[0]) throw new Error('PARLEY_NODE_IP is not set: integration tests run inside the test namespace (npm test).');
  const redisPort = Number(process.env.PARLEY_TEST_REDIS_PORT ?? 6390);
  const redis = await startRedis(redisPort);
  const started: LivekitNode[] = [];
  const stopAll = async () => {
    for (const n of started.reverse()) await n.stop().catch(() => {});
    await redis?.stop();
  };
  try {
    for (const [i, ip] of ips.entries()) {
      started.push(
        await startLivekit(ROOT, {
          name: `livekit-node-${'ab'[i]}`,
          nodeIp: ip!,
          redisPort,
          port: 7880 + 10 * i,
          rtcTcpPort: 7881 + 10 * i,
          udpPort: 7882 + 10 * i,
          extraArgs: ['--node_selector.sort_by', 'rooms'],
        }),
      );
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const nodes = started.map(
    (lk, i): ClusterNode => ({ ...stackOfNode(lk, redisPort, async () => {}), nodeId: lk.nodeId, name: `node-${'ab'[i]}` }),
  );
  const map = new Redis(redisPort, '127.0.0.1');
  return {
    nodes,
    redisPort,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    nodeOf: async (room) => {
      const id = await map.hget('room_node_map', room);
      return nodes.find((n) => n.nodeId === id) ?? null;
    },
    stop: async () => {
      map.disconnect();
      await stopAll();
    },
  };
}
