import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ParleyConfig } from '../../agent/config.js';
import { LiveKitSessionIssuer } from './session-issuer.js';
import { startWebServer, type WebServer } from './server.js';

export const DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));

/**
 * The token server on the project's config. PARLEY_PUBLIC_LIVEKIT_URL is LiveKit's URL as
 * browsers reach it when it differs from the one the server uses; PARLEY_TRUST_PROXY=1 takes the
 * client address from X-Forwarded-For (only behind your own proxy).
 */
export function startWebFromConfig(cfg: ParleyConfig, at: { host: string; port: number; livekitUrl?: string }): Promise<WebServer> {
  return startWebServer({
    host: at.host,
    port: at.port,
    distDir: DIST_DIR,
    issuer: new LiveKitSessionIssuer({
      serverUrl: at.livekitUrl ?? cfg.livekit.url,
      publicUrl: process.env.PARLEY_PUBLIC_LIVEKIT_URL,
      apiKey: cfg.livekit.apiKey,
      apiSecret: cfg.livekit.apiSecret,
      agentName: cfg.agentName,
    }),
    // derived from the API secret so there is nothing more to configure; rotating it resets caller ids
    cookieSecret: process.env.PARLEY_COOKIE_SECRET ?? createHmac('sha256', cfg.livekit.apiSecret).update('parley-caller-id').digest('hex'),
    trustProxy: process.env.PARLEY_TRUST_PROXY === '1',
  });
}
