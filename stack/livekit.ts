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
}

export async function startLivekit(root: string, opts: LivekitOptions): Promise<Service & { url: string }> {
  const port = opts.port ?? 7880;
  const args = ['--config', join(root, 'livekit.yaml'), '--redis-host', `127.0.0.1:${opts.redisPort}`];
  if (opts.nodeIp) args.push('--node-ip', opts.nodeIp);
  if (opts.bind) args.push('--bind', opts.bind);
  const host = opts.nodeIp ?? '127.0.0.1';
  const svc = await startService('livekit-server', 'livekit-server', args, {
    probe: async () => (await fetch(`http://${host}:${port}/`)).ok,
    readyTimeoutMs: 30_000,
  });
  return { ...svc, url: `ws://${host}:${port}` };
}
