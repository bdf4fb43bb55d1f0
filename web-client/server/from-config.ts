import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ParleyConfig } from '../../agent/config/config.js';
import { LiveKitSessionIssuer } from './session-issuer.js';
import { startWebServer, type WebServer } from './server.js';

export const DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));

/** The token server on the project's validated config (its `web` section and LiveKit's keys). */
export function startWebFromConfig(cfg: ParleyConfig, at: { host: string; port: number; livekitUrl?: string }): Promise<WebServer> {
  return startWebServer({
    host: at.host,
    port: at.port,
    distDir: DIST_DIR,
    issuer: new LiveKitSessionIssuer({
      serverUrl: at.livekitUrl ?? cfg.livekit.url,
      publicUrl: cfg.web.publicLivekitUrl,
      apiKey: cfg.livekit.apiKey,
      apiSecret: cfg.livekit.apiSecret,
      agentName: cfg.agentName,
    }),
    // derived from the API secret so there is nothing more to configure; rotating it resets caller ids
    cookieSecret: cfg.web.cookieSecret ?? createHmac('sha256', cfg.livekit.apiSecret).update('parley-caller-id').digest('hex'),
    trustProxy: cfg.web.trustProxy,
  });
}
