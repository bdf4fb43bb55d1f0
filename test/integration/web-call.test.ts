import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TokenVerifier } from 'livekit-server-sdk';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveKitSessionIssuer } from '../../web-client/server/session-issuer.js';
import { startWebServer, type WebServer } from '../../web-client/server/server.js';
import { until } from '../../callers/wait.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';
import { fakeMicWav, launchChromium } from '../../stack/browser.js';
import { ROOT } from '../../stack/test-stack.js';

/**
 * The browser path end to end: Debian's Chromium (headless, driven by playwright-core), its fake
 * microphone playing a spoken question, the built page, the token server with the real issuer,
 * livekit-server, the worker and the local Realtime stand-in. Everything runs inside the test namespace.
 */
const OUT = join(ROOT, 'out');

let env: CallStack;
let web: WebServer;
let browser: Browser;

beforeAll(async () => {
  env = await startCallStack('web');
  await build({ configFile: join(ROOT, 'web-client/vite.config.ts'), logLevel: 'warn' });
  web = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    distDir: join(ROOT, 'web-client/dist'),
    issuer: new LiveKitSessionIssuer({
      serverUrl: env.stack.url,
      apiKey: env.stack.apiKey,
      apiSecret: env.stack.apiSecret,
      agentName: 'parley',
    }),
    cookieSecret: 'test-cookie-secret',
    rateLimit: { burst: 20, perMinute: 20 },
  });
  mkdirSync(OUT, { recursive: true });
  // Chromium loops the file: a question, then six seconds of silence for the answer to play into
  browser = await launchChromium(await fakeMicWav(join(OUT, 'web-fake-mic.wav'), 'What is the weather like in Paris today', 6));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await env?.stop();
});

describe('the web client in headless Chromium', () => {
  it('calls the agent, plays its audio, and shows a completed turn with its latency', async () => {
    const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(web.url);
    await page.click('#call');
    await page.waitForSelector('#connection[data-state="connected"]', { timeout: 30_000 });
    await page.waitForSelector('#agent-state:not([data-state="absent"])', { timeout: 30_000 });

    // a turn the agent answered, with a latency figure the page computed from the turn record
    const row = await page.waitForSelector('#turns tr[data-status="completed"][data-latency-ms]', { timeout: 60_000 });
    const latency = Number(await row.getAttribute('data-latency-ms'));
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThan(5_000);
    // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered, cells apart
    expect(await row.innerText()).toMatch(/\d+ ms/);

    // the page received the agent's audio: RTP bytes on the receiver, and real level in WebAudio
    const audio = await until(
      'agent audio in the page',
      async () => {
        const bytes = Number(await page.getAttribute('#agent-audio', 'data-bytes'));
        const peak = Number(await page.getAttribute('#agent-audio', 'data-peak'));
        return bytes > 4_000 && peak > -40 ? { bytes, peak } : null;
      },
      20_000,
    );
    expect(audio.peak).toBeGreaterThan(-40);

    // both sides of the transcript
    await page.waitForSelector('#transcript li.agent', { timeout: 20_000 });
    const shot = join(OUT, 'web-call.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);

    // hang up: the page leaves, and the agent's job ends with the room
    const room = env.stack.rooms;
    const before = await room.listRooms();
    await page.click('#hangup');
    await page.waitForSelector('#connection[data-state="disconnected"]', { timeout: 10_000 });
    const webRooms = before.filter((r) => r.name.startsWith('web-')).map((r) => r.name);
    await until('the call room to close', async () => ((await room.listRooms(webRooms)).length === 0 ? true : null), 30_000);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('mints tokens scoped to one fresh room with the agent dispatched, for minutes only', async () => {
    const res = await fetch(`${web.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ttlSeconds":120}',
    });
    expect(res.status).toBe(200);
    const s = (await res.json()) as { url: string; token: string; room: string; identity: string };
    expect(JSON.stringify(s)).not.toContain(env.stack.apiSecret);
    const claims = await new TokenVerifier(env.stack.apiKey, env.stack.apiSecret).verify(s.token);
    expect(claims.video).toMatchObject({ room: s.room, roomJoin: true, canUpdateOwnMetadata: false });
    expect(claims.video?.roomAdmin).toBeFalsy();
    expect(claims.video?.roomCreate).toBeFalsy();
    expect(claims.video?.roomList).toBeFalsy();
    expect(claims.sub).toBe(s.identity);
    expect(claims.attributes?.['parley.user_id']).toMatch(/^web:[a-f0-9]{24}$/);
    expect(Number(claims.exp) - Number(claims.nbf)).toBeLessThanOrEqual(120);
    const dispatches = await env.stack.dispatch.listDispatch(s.room);
    expect(dispatches.map((d) => d.agentName)).toEqual(['parley']);
    await env.stack.rooms.deleteRoom(s.room);
  });
});
