import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, type Service } from './service.js';

export interface LivekitOptions {
  /** Address advertised to WebRTC peers (the namespace's veth address in isolated mode). */
  nodeIp?: string;
  /** Addresses to listen on; default all. */
  bind?: string;
  redisPort: number;
  /** Port for HTTP/WebSocket signalling (default 7880 as in livekit.yaml). */
  port?: number;
  /** ICE/TCP and the one muxed ICE/UDP port (livekit.yaml: 7881, 7882): a second node on the same host needs its own. */
  rtcTcpPort?: number;
  udpPort?: number;
  /** The service's name (its log is out/logs/<name>.log); one per node of a cluster. */
  name?: string;
  /** More livekit-server flags, e.g. `--node_selector.sort_by rooms`. */
  extraArgs?: string[];
}

export type LivekitNode = Service & { url: string; httpUrl: string; nodeId: string };

export async function startLivekit(root: string, opts: LivekitOptions): Promise<LivekitNode> {
  const port = opts.port ?? 7880;
  const args = ['--config', join(root, 'livekit.yaml'), '--redis-host', `127.0.0.1:${opts.redisPort}`];
  if (opts.nodeIp) args.push('--node-ip', opts.nodeIp);
  if (opts.bind) args.push('--bind', opts.bind);
  if (opts.port) args.push('--port', String(opts.port));
  if (opts.rtcTcpPort) args.push('--rtc.tcp_port', String(opts.rtcTcpPort));
  if (opts.udpPort) args.push('--udp-port', String(opts.udpPort));
  args.push(...(opts.extraArgs ?? []));
  const host = opts.nodeIp ?? '127.0.0.1';
  const name = opts.name ?? 'livekit-server';
  const svc = await startService(name, 'livekit-server', args, {
    probe: async () => (await fetch(`http://${host}:${port}/`)).ok,
    readyTimeoutMs: 30_000,
  });
  const url = `ws://${host}:${port}`;
  return { ...svc, url, httpUrl: url.replace(/^ws/, 'http'), nodeId: nodeIdOf(svc.logFile, port) };
}

/**
 * The node id livekit-server gave itself, from its start-up line ("starting LiveKit server",
 * with its HTTP port): in a cluster, Redis's room_node_map names a room's node by this id. The
 * log is appended to across runs, so the last start on this port is the one.
 */
function nodeIdOf(logFile: string, port: number): string {
  let id = '';
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('starting LiveKit server') || !line.includes(`"portHttp": ${port}`)) continue;
    id = /"nodeID": "([^"]+)"/.exec(line)?.[1] ?? id;
  }
  return id;
}
