import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { log } from '../../agent/log.js';
import { CallerIds } from './caller-id.js';
import { RateLimiter } from './rate-limit.js';
import type { IssuedSession, SessionIssuer } from './session-issuer.js';
import { DEFAULT_POLICY, MAX_BODY_BYTES, parseSessionRequest, RequestError, type TokenPolicy } from './session-request.js';
import { serveStatic } from './static-files.js';

export interface WebServerOptions {
  host: string;
  port: number;
  /** The built page (web-client/dist). */
  distDir: string;
  issuer: SessionIssuer;
  /** Signs the caller-id cookie. */
  cookieSecret: string;
  policy?: TokenPolicy;
  /** Sessions per client: `burst` at once, then `perMinute`. */
  rateLimit?: { burst: number; perMinute: number };
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
  trustProxy?: boolean;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

// The page talks only to this origin and to LiveKit's WebSocket/WebRTC; nothing else may load.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self' ws: wss: http: https:; media-src 'self' blob: mediastream:; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'microphone=(self), camera=()',
};

/**
 * The token server: POST /api/session creates a room with the agent dispatched and returns a
 * short-lived token for it; GET serves the built page. The LiveKit API secret and the OpenAI key
 * stay in this process; the browser gets a JWT scoped to one room.
 */
export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  const policy = o.policy ?? DEFAULT_POLICY;
  const limiter = new RateLimiter(o.rateLimit?.burst ?? 5, o.rateLimit?.perMinute ?? 10);
  const ids = new CallerIds(o.cookieSecret);

  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    handle(req, res).catch((e: Error) => {
      log.error({ err: e.message }, 'web server: request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal', message: 'internal error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/api/session') {
      if (req.method !== 'POST') return json(res, 405, { error: 'method', message: 'use POST' }, { allow: 'POST' });
      return session(req, res);
    }
    if (path === '/api/health') return json(res, 200, { ok: true });
    if (path.startsWith('/api/')) return json(res, 404, { error: 'not_found', message: 'no such endpoint' });
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(res, 405, { error: 'method', message: 'use GET' }, { allow: 'GET, HEAD' });
    if (await serveStatic(o.distDir, path, res)) return;
    if (await serveStatic(o.distDir, '/index.html', res)) return; // one-page app: unknown paths get the page
    json(res, 404, { error: 'not_found', message: 'the web client is not built (npm run setup builds it)' });
  }

  async function session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const client = clientAddress(req, o.trustProxy ?? false);
    const wait = limiter.take(client);
    if (wait > 0) {
      return json(res, 429, { error: 'rate_limited', message: `too many sessions; retry in ${wait} s` }, { 'retry-after': String(wait) });
    }
    try {
      // A page on another site must not start calls on this caller's behalf (the cookie would go along).
      const origin = req.headers.origin;
      if (origin && hostOf(origin) !== req.headers.host) throw new RequestError(403, 'cross_origin', 'cross-origin requests are refused');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw new RequestError(415, 'content_type', 'send application/json');
      }
      const parsed = parseSessionRequest(await readJson(req), policy);
      const known = ids.read(req.headers.cookie);
      const callerId = known ?? ids.mint();
      let issued: IssuedSession;
      try {
        issued = await o.issuer.issue(parsed, callerId);
      } catch (e) {
        log.error({ err: (e as Error).message }, 'web server: could not create the session in LiveKit');
        throw new RequestError(502, 'livekit_unavailable', 'could not start a call right now');
      }
      log.info({ room: issued.room, identity: issued.identity, client }, 'web session issued');
      const headers: Record<string, string> = { 'cache-control': 'no-store' };
      if (!known) headers['set-cookie'] = ids.cookie(callerId, req.headers['x-forwarded-proto'] === 'https');
      json(res, 200, issued, headers);
    } catch (e) {
      if (e instanceof RequestError) return json(res, e.status, { error: e.code, message: e.message });
      throw e;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null; // "null" (sandboxed frames) or garbage: not our origin
  }
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const fwd = req.headers['x-forwarded-for'];
  if (trustProxy && typeof fwd === 'string' && fwd.trim()) return fwd.split(',')[0]!.trim();
  return req.socket.remoteAddress ?? 'unknown';
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new RequestError(413, 'too_large', `the body may be at most ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, 'too_large', `the body may be at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestError(400, 'bad_json', 'the body is not valid JSON');
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}
