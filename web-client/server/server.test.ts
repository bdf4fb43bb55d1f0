import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';
import type { IssuedSession, SessionIssuer } from './session-issuer.js';
import type { SessionRequest } from './session-request.js';
import { startWebServer, type WebServer } from './server.js';

const SECRET = 'the-livekit-api-secret-must-never-leave';

/** Records what the server asked LiveKit for; the real issuer is exercised in test/integration/web-call.test.ts. */
class RecordingIssuer implements SessionIssuer {
  calls: { req: SessionRequest; callerId: string }[] = [];
  fail = false;
  async issue(req: SessionRequest, callerId: string): Promise<IssuedSession> {
    if (this.fail) throw new Error(`connect ECONNREFUSED with secret ${SECRET}`);
    this.calls.push({ req, callerId });
    return { url: 'ws://lk.test', token: 'jwt', room: `web-${this.calls.length}`, identity: 'web-x', expiresAt: 0 };
  }
}

let server: WebServer | null = null;
let dist: string | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  if (dist) rmSync(dist, { recursive: true, force: true });
  dist = null;
});

async function start(issuer: SessionIssuer, burst = 50) {
  dist = mkdtempSync(join(tmpdir(), 'parley-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Parley</title>');
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
  server = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    distDir: dist,
    issuer,
    cookieSecret: 'cookie-secret',
    rateLimit: { burst, perMinute: 10 },
    trustProxy: true,
  });
  return server.url;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('token server', () => {
  it('issues a session for a server-chosen room, sets a signed caller id, and keeps it on return', async () => {
    const issuer = new RecordingIssuer();
    const url = await start(issuer);
    const first = await post(url, { displayName: 'Ada Lovelace' });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const text = await first.text();
    expect(JSON.parse(text)).toMatchObject({ url: 'ws://lk.test', token: 'jwt', room: 'web-1' });
    expect(text).not.toContain(SECRET);
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^parley_uid=[a-f0-9]{24}\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict/);
    expect(issuer.calls[0]!.req).toEqual({ displayName: 'Ada Lovelace', ttlSeconds: 300 });

    const again = await post(url, {}, { cookie: cookie.split(';')[0]! });
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(issuer.calls[1]!.callerId).toBe(issuer.calls[0]!.callerId);

    // a forged id (someone else's memory) is not accepted: a fresh id is minted instead
    const forged = await post(url, {}, { cookie: `parley_uid=${issuer.calls[0]!.callerId.replace(/.$/, '0')}.AAAA` });
    expect(forged.status).toBe(200);
    expect(issuer.calls[2]!.callerId).not.toBe(issuer.calls[0]!.callerId);
  });

  it('refuses a token for a room or identity of the client’s choosing', async () => {
    const issuer = new RecordingIssuer();
    const url = await start(issuer);
    for (const body of [{ room: 'someone-elses-call' }, { identity: 'agent-parley' }]) {
      const res = await post(url, body);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe('forbidden_field');
    }
    expect(issuer.calls).toHaveLength(0);
  });

  it('refuses a TTL above the maximum instead of shortening it', async () => {
    const issuer = new RecordingIssuer();
    const url = await start(issuer);
    const long = await post(url, { ttlSeconds: 3600 });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: string }).error).toBe('ttl_too_long');
    expect((await post(url, { ttlSeconds: 5 })).status).toBe(400);
    expect((await post(url, { ttlSeconds: 120.5 })).status).toBe(400);
    expect((await post(url, { ttlSeconds: 600 })).status).toBe(200);
    expect(issuer.calls.map((c) => c.req.ttlSeconds)).toEqual([600]);
  });

  it('refuses malformed names, bodies and requests', async () => {
    const issuer = new RecordingIssuer();
    const url = await start(issuer);
    const refused: [unknown, number, Record<string, string>?][] = [
      [{ displayName: '<script>alert(1)</script>' }, 400],
      [{ displayName: 'x'.repeat(49) }, 400],
      [{ displayName: '' }, 400],
      [{ displayName: 42 }, 400],
      [{ color: 'red' }, 400],
      [[1, 2], 400],
      ['{not json', 400],
      [{ displayName: 'a'.repeat(4000) }, 413],
      [{}, 415, { 'content-type': 'text/plain' }],
      [{}, 403, { origin: 'https://evil.example' }],
      [{}, 403, { origin: 'null' }],
    ];
    for (const [body, status, headers] of refused) {
      const res = await post(url, body, headers);
      expect({ body, status: res.status }).toEqual({ body, status });
    }
    expect((await fetch(`${url}/api/session`)).status).toBe(405);
    expect(issuer.calls).toHaveLength(0);
    // names in other scripts are fine
    expect((await post(url, { displayName: 'Zoë Ødegård-Núñez' })).status).toBe(200);
  });

  it('rate-limits a burst per client and answers 429 with Retry-After; other clients are unaffected', async () => {
    const issuer = new RecordingIssuer();
    const url = await start(issuer, 3);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(url, {}, { 'x-forwarded-for': '198.51.100.7' })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    const limited = await post(url, {}, { 'x-forwarded-for': '198.51.100.7' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post(url, {}, { 'x-forwarded-for': '198.51.100.8' })).status).toBe(200);
    expect(issuer.calls).toHaveLength(4);
  });

  it('answers 502 without LiveKit’s error text when the room cannot be created', async () => {
    const issuer = new RecordingIssuer();
    issuer.fail = true;
    const url = await start(issuer);
    const res = await post(url, {});
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('ECONNREFUSED');
  });

  it('serves the page with security headers and nothing outside the build folder', async () => {
    const url = await start(new RecordingIssuer());
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Parley</title>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const asset = await fetch(`${url}/assets/app.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/assets/../../etc/passwd']) {
      const res = await fetch(`${url}${p}`);
      expect(await res.text()).not.toContain('"name"');
    }
  });
});

describe('RateLimiter', () => {
  it('refills at the configured rate', () => {
    let now = 0;
    const rl = new RateLimiter(2, 6, () => now); // a token every 10 s
    expect([rl.take('a'), rl.take('a')]).toEqual([0, 0]);
    expect(rl.take('a')).toBe(10);
    now = 5_000;
    expect(rl.take('a')).toBe(5);
    now = 10_000;
    expect(rl.take('a')).toBe(0);
    expect(rl.take('b')).toBe(0);
  });
});
