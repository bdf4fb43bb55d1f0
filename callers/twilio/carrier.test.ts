import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { ulawDecode, ulawEncode } from '../../agent/audio/g711.js';
import { StreamRefused, TwilioCarrier, WebhookRefused } from './carrier.js';
import { wallNow } from './clock.js';
import type { MediaMessage, StartMessage } from './messages.js';
import { TwilioRestStandin } from './rest-standin.js';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const TOKEN = 'test-auth-token';

/** What the in-test agent saw of one stream: the handshake, every message with its arrival time, the close. */
interface AgentSide {
  ws: WebSocket;
  messages: { at: number; m: Record<string, unknown> }[];
  closed: Promise<{ code: number }>;
}

/**
 * A tiny stand-in for the agent: a voice webhook that checks X-Twilio-Signature with the twilio
 * library (403 otherwise) and answers <Connect><Stream> with a Parameter, and a stream endpoint
 * that checks the handshake's signature over its own URL with no parameters.
 */
class TinyAgent {
  readonly streams: AgentSide[] = [];
  readonly webhookParams: Record<string, string>[] = [];
  readonly #server: Server = createServer((req, res) => void this.#webhook(req, res));
  readonly #wss = new WebSocketServer({ noServer: true });
  #port = 0;

  async start(): Promise<void> {
    this.#server.on('upgrade', (req, socket, head) => {
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      if (!twilio.validateRequest(TOKEN, signature, this.streamUrl, {})) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 15\r\n\r\nbad signature\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const side: AgentSide = {
          ws,
          messages: [],
          closed: new Promise((resolve) => ws.once('close', (code) => resolve({ code }))),
        };
        ws.on('message', (data) => side.messages.push({ at: wallNow(), m: JSON.parse(data.toString()) }));
        this.streams.push(side);
      });
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.#port}/twilio/voice`;
  }

  get streamUrl(): string {
    return `ws://127.0.0.1:${this.#port}/twilio/stream`;
  }

  async stop(): Promise<void> {
    for (const c of this.#wss.clients) c.terminate();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #webhook(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    let body = '';
    for await (const c of req) body += c;
    const params = Object.fromEntries(new URLSearchParams(body));
    this.webhookParams.push(params);
    if (!twilio.validateRequest(TOKEN, String(req.headers['x-twilio-signature'] ?? ''), this.webhookUrl, params)) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden');
      return;
    }
    const r = new twilio.twiml.VoiceResponse();
    r.connect().stream({ url: this.streamUrl }).parameter({ name: 'caller', value: params.From! });
    res.writeHead(200, { 'Content-Type': 'text/xml' }).end(r.toString());
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mediaOf = (side: AgentSide) => side.messages.filter((x) => x.m.event === 'media') as unknown as { at: number; m: MediaMessage }[];

let agent: TinyAgent;
let carrier: TwilioCarrier;
let rest: TwilioRestStandin;
beforeEach(async () => {
  agent = new TinyAgent();
  await agent.start();
  rest = new TwilioRestStandin({ accountSid: ACCOUNT, authToken: TOKEN });
  await rest.listen();
  carrier = new TwilioCarrier({ rest });
});
afterEach(async () => {
  await carrier.hangUpAll();
  await agent.stop();
  await rest.close();
});

const dial = (o: Partial<Parameters<TwilioCarrier['call']>[0]> = {}) =>
  carrier.call({ webhookUrl: agent.webhookUrl, authToken: TOKEN, accountSid: ACCOUNT, from: '+15550100', to: '+15550111', ...o });

/** Sends the agent's audio and controls to the carrier, as a Parley stream endpoint would. */
function agentSends(side: AgentSide, streamSid: string, m: { media?: Buffer; mark?: string; clear?: true }): void {
  if (m.media) side.ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: m.media.toString('base64') } }));
  if (m.mark) side.ws.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: m.mark } }));
  if (m.clear) side.ws.send(JSON.stringify({ event: 'clear', streamSid }));
}

describe('the webhook and the handshake', () => {
  it('posts the voice webhook as Twilio does, signed over the exact URL and parameters', async () => {
    const call = await dial();
    const p = agent.webhookParams[0]!;
    expect(p).toMatchObject({
      AccountSid: ACCOUNT,
      CallSid: call.callSid,
      From: '+15550100',
      To: '+15550111',
      Caller: '+15550100',
      Called: '+15550111',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    });
    expect(call.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(agent.streams).toHaveLength(1);
  });

  it.each(['forged', 'none'] as const)('a %s webhook signature is refused with 403 and no stream opens', async (signature) => {
    const refused = await dial({ signature }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WebhookRefused);
    expect((refused as WebhookRefused).status).toBe(403);
    expect((refused as WebhookRefused).body).toBe('forbidden');
    expect(agent.streams).toHaveLength(0);
  });

  it.each(['forged', 'none'] as const)('a %s handshake signature is refused at the upgrade', async (streamSignature) => {
    const refused = await dial({ streamSignature }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StreamRefused);
    expect((refused as StreamRefused).status).toBe(403);
    expect(agent.streams).toHaveLength(0);
    // the call never got its stream, so it is over as far as the REST API goes
    expect([...rest.calls.values()].map((c) => c.status)).toEqual(['completed']);
  });

  it('sends connected, then start with the TwiML parameters and the fixed media format', async () => {
    const call = await dial();
    await sleep(50);
    const [connected, start] = agent.streams[0]!.messages.map((x) => x.m);
    expect(connected).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(start).toEqual({
      event: 'start',
      sequenceNumber: '1',
      start: {
        accountSid: ACCOUNT,
        streamSid: call.streamSid,
        callSid: call.callSid,
        tracks: ['inbound'],
        customParameters: { caller: '+15550100' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: call.streamSid,
    } satisfies StartMessage);
    expect(call.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
  });
});

describe('the caller’s audio', () => {
  it('is one 160-byte media message per 20 ms, numbered, stamped, silence when nothing is queued', async () => {
    const call = await dial();
    await sleep(1000);
    const media = mediaOf(agent.streams[0]!);
    // real time, loosely: about 50 messages a second, neither a burst nor a stall
    expect(media.length).toBeGreaterThanOrEqual(45);
    expect(media.length).toBeLessThanOrEqual(53);
    const span = media.at(-1)!.at - media[0]!.at;
    expect(span).toBeGreaterThan((media.length - 1) * 20 - 40);
    expect(span).toBeLessThan((media.length - 1) * 20 + 40);
    media.forEach(({ m }, i) => {
      expect(m.sequenceNumber).toBe(String(i + 2)); // start was 1
      expect(m.media).toMatchObject({ track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20) });
      expect(m.streamSid).toBe(call.streamSid);
      const payload = Buffer.from(m.media.payload, 'base64');
      expect(payload.length).toBe(160);
      expect(payload.every((b) => b === 0xff)).toBe(true);
    });
  });

  it('carries queued speech in order and dates each sample it sent', async () => {
    const call = await dial();
    const speech = new Int16Array(400).map((_, i) => ((i % 50) - 25) * 400); // 50 ms, a saw tooth
    const before = wallNow();
    const u = call.send(speech);
    const { firstAt, lastAt } = await u.sent;
    expect(u).toMatchObject({ from: 0, to: 400 });
    expect(lastAt - firstAt).toBeGreaterThanOrEqual(30); // three frames, 20 ms apart
    expect(firstAt - before).toBeLessThan(45);
    expect(call.sentAt(399)).toBe(lastAt);
    expect(call.sentAt(400)).toBeNull();
    await sleep(60);
    const media = mediaOf(agent.streams[0]!).map(({ m }) => Buffer.from(m.media.payload, 'base64'));
    const first = media.findIndex((p) => p.some((b) => b !== 0xff));
    const carried = Buffer.concat(media.slice(first, first + 3));
    const expected = Buffer.from(Array.from(speech, ulawEncode));
    expect(carried.subarray(0, 400)).toEqual(expected);
    expect(carried.subarray(400).every((b) => b === 0xff)).toBe(true); // the last frame padded with silence
  });

  it('sends dtmf as Twilio documents it, in the same sequence', async () => {
    const call = await dial();
    call.dtmf('5');
    await sleep(40);
    const side = agent.streams[0]!;
    const dtmf = side.messages.find((x) => x.m.event === 'dtmf')!.m;
    expect(dtmf).toEqual({
      event: 'dtmf',
      streamSid: call.streamSid,
      sequenceNumber: expect.any(String),
      dtmf: { track: 'inbound_track', digit: '5' },
    });
    const seqs = side.messages.slice(1).map((x) => Number(x.m.sequenceNumber));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(() => call.dtmf('x')).toThrow(/not a DTMF key/);
  });
});

describe('the agent’s audio', () => {
  /** n frames of 160 bytes, frame k holding a level that identifies it. */
  const frames = (n: number) => Array.from({ length: n }, (_, k) => Buffer.alloc(160, ulawEncode(1000 + k * 100)));

  it('is played in order and in real time from the carrier’s buffer, however fast it came', async () => {
    const call = await dial();
    const side = agent.streams[0]!;
    const sentAt = wallNow();
    for (const f of frames(25)) agentSends(side, call.streamSid, { media: f }); // 500 ms in one burst
    await call.waitForHeardMs(500, 2000);
    expect(call.heard).toHaveLength(25);
    call.heard.forEach((c, k) => {
      expect(c.samples.length).toBe(160);
      expect(c.samples[0]).toBe(ulawDecode(ulawEncode(1000 + k * 100)));
    });
    const first = call.heard[0]!.at;
    expect(first - sentAt).toBeLessThan(45); // starts within a tick or two
    const span = call.heard.at(-1)!.at - first;
    expect(span).toBeGreaterThan(24 * 20 - 30);
    expect(span).toBeLessThan(24 * 20 + 30);
    expect(call.heardMs()).toBe(500);
  });

  it('echoes a mark only after all audio sent before it has played', async () => {
    const call = await dial();
    const side = agent.streams[0]!;
    for (const f of frames(15)) agentSends(side, call.streamSid, { media: f }); // 300 ms
    agentSends(side, call.streamSid, { mark: 'after-300ms' });
    const mark = await call.waitForMark('after-300ms', 2000);
    expect(mark.released).toBe('played');
    const lastFrame = call.heard.at(-1)!;
    expect(call.heard).toHaveLength(15);
    expect(mark.at).toBeGreaterThanOrEqual(lastFrame.at + 15); // that frame's 20 ms were over
    expect(mark.at - call.heard[0]!.at).toBeGreaterThanOrEqual(290);
    await sleep(30);
    const echo = side.messages.find((x) => x.m.event === 'mark')!;
    expect(echo.m).toEqual({ event: 'mark', sequenceNumber: expect.any(String), streamSid: call.streamSid, mark: { name: 'after-300ms' } });
  });

  it('clear empties the buffer, and the marks pending are sent back at once', async () => {
    const call = await dial();
    const side = agent.streams[0]!;
    for (const f of frames(50)) agentSends(side, call.streamSid, { media: f }); // 1 s
    agentSends(side, call.streamSid, { mark: 'end-of-answer' });
    await call.waitForHeardMs(200, 2000);
    agentSends(side, call.streamSid, { clear: true });
    const clear = await call.waitForClear(1, 2000);
    const heardAtClear = call.heardMs();
    expect(clear.discardedMs).toBe(1000 - heardAtClear);
    expect(clear.discardedMs).toBeGreaterThan(700);
    expect(clear.marksReleased).toEqual(['end-of-answer']);
    const mark = await call.waitForMark('end-of-answer', 100);
    expect(mark.released).toBe('clear');
    expect(mark.at - clear.at).toBeLessThan(5);
    await sleep(100);
    expect(call.heardMs()).toBe(heardAtClear); // nothing more is played
    expect(call.bufferedMs).toBe(0);
    // and audio after the clear plays again
    agentSends(side, call.streamSid, { media: frames(1)[0]! });
    await call.waitForHeardMs(heardAtClear + 20, 500);
  });
});

describe('protocol violations', () => {
  it.each([
    ['a binary frame', (side: AgentSide) => side.ws.send(Buffer.from([0xff, 0xff])), /binary frame/],
    [
      'a wrong streamSid',
      (side: AgentSide) => side.ws.send(JSON.stringify({ event: 'clear', streamSid: `MZ${'0'.repeat(32)}` })),
      /not this stream's/,
    ],
    [
      'an unknown event',
      (side: AgentSide, sid: string) => side.ws.send(JSON.stringify({ event: 'hangup', streamSid: sid })),
      /unknown event "hangup"/,
    ],
  ])('%s is recorded and the socket closed with 1008', async (_what, send, message) => {
    const call = await dial();
    const side = agent.streams[0]!;
    send(side, call.streamSid);
    const end = await call.closed;
    expect(call.violations).toHaveLength(1);
    expect(call.violations[0]!.message).toMatch(message);
    expect(end).toMatchObject({ by: 'carrier', code: 1008 });
    expect(end.reason).toMatch(/protocol violation/);
    expect((await side.closed).code).toBe(1008);
    expect(side.messages.some((x) => x.m.event === 'stop')).toBe(false);
  });

  it("with onViolation 'ignore', the message is dropped and the stream goes on, as Twilio's warnings do", async () => {
    carrier = new TwilioCarrier({ rest, onViolation: 'ignore' });
    const call = await dial();
    const side = agent.streams[0]!;
    side.ws.send(Buffer.from([1, 2, 3]));
    agentSends(side, call.streamSid, { media: Buffer.alloc(160, 0x10) });
    await call.waitForHeardMs(20, 500);
    expect(call.violations.map((v) => v.message)).toEqual([expect.stringMatching(/binary frame/)]);
    expect(call.ended).toBeNull();
  });
});

describe('ending the call', () => {
  it('a caller hang-up sends stop with the call, then closes', async () => {
    const call = await dial();
    const side = agent.streams[0]!;
    const end = await call.hangUp();
    expect(end).toMatchObject({ by: 'carrier', code: 1000, reason: 'caller hung up' });
    expect((await side.closed).code).toBe(1000);
    const last = side.messages.at(-1)!.m;
    expect(last).toEqual({
      event: 'stop',
      sequenceNumber: expect.any(String),
      stop: { accountSid: ACCOUNT, callSid: call.callSid },
      streamSid: call.streamSid,
    });
    expect(rest.calls.get(call.callSid)!.status).toBe('completed');
  });

  it('the agent closing the socket ends the call, by the agent', async () => {
    const call = await dial();
    agent.streams[0]!.ws.close(1000, 'goodbye');
    const end = await call.closed;
    expect(end).toMatchObject({ by: 'agent', code: 1000, reason: 'goodbye' });
    expect(rest.calls.get(call.callSid)!.status).toBe('completed');
    await expect(call.waitForMark('never', 100)).rejects.toThrow(/call ended \(agent: goodbye\)/);
  });

  it("the agent's REST update to completed, through the twilio library, ends the stream: stop, then close", async () => {
    const call = await dial();
    const side = agent.streams[0]!;
    const client = twilio(ACCOUNT, TOKEN);
    client.api.baseUrl = rest.baseUrl;
    const updated = await client.calls(call.callSid).update({ status: 'completed' });
    expect(updated.status).toBe('completed');
    const end = await call.closed;
    expect(end).toMatchObject({ by: 'carrier', reason: 'call completed via the REST API' });
    expect(side.messages.at(-1)!.m.event).toBe('stop');
    expect(rest.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: `/2010-04-01/Accounts/${ACCOUNT}/Calls/${call.callSid}.json`,
        authUser: ACCOUNT,
        params: { Status: 'completed' },
        status: 200,
      }),
    ]);
  });

  it('a REST update to <Dial> records the target and ends the stream; the call goes on without it', async () => {
    const call = await dial();
    const client = twilio(ACCOUNT, TOKEN);
    client.api.baseUrl = rest.baseUrl;
    const r = new twilio.twiml.VoiceResponse();
    r.dial('+15550199');
    await client.calls(call.callSid).update({ twiml: r.toString() });
    const end = await call.closed;
    expect(end.reason).toBe('call moved on to <Dial>+15550199</Dial>');
    expect(rest.calls.get(call.callSid)).toMatchObject({ dialed: '+15550199', status: 'in-progress' });
  });
});
