import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { HopFrame } from '../../audio/caller-input.js';
import { acceptStream, type TwilioStreamLine } from './stream-line.js';
import { StreamTickets } from './stream-token.js';
import { inboundMedia, tone } from './testing.js';
import { PARAM_TICKET } from './voice-webhook.js';

const HOP = 256; // TEN VAD's hop: 16 ms at 16 kHz
const TOKEN = 'stream-line-test-token';
const CALL_SID = `CA${'1'.repeat(32)}`;
const STREAM_SID = `MZ${'2'.repeat(32)}`;
const noControl = { complete: async () => {}, dial: async () => {} };

let servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers) {
    for (const c of s.clients) c.terminate();
    await new Promise((r) => s.close(r));
  }
  servers = [];
});

/** A line over a real WebSocket on loopback: the test is Twilio's side of the socket. */
async function connect(): Promise<{ twilio: WebSocket; line: Promise<TwilioStreamLine> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await once(wss, 'listening');
  const tickets = new StreamTickets(TOKEN);
  const line = new Promise<TwilioStreamLine>((resolve, reject) =>
    wss.once('connection', (ws) => acceptStream(ws, { tickets, claim: async () => true, control: noControl }).then(resolve, reject)),
  );
  const twilio = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await once(twilio, 'open');
  const start = {
    accountSid: `AC${'3'.repeat(32)}`,
    streamSid: STREAM_SID,
    callSid: CALL_SID,
    tracks: ['inbound'],
    customParameters: { [PARAM_TICKET]: tickets.issue(CALL_SID) },
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
  };
  twilio.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  twilio.send(JSON.stringify({ event: 'start', sequenceNumber: '1', streamSid: STREAM_SID, start }));
  return { twilio, line };
}

/** `ms` of caller audio as Twilio sends it: 20 ms media messages, chunk and timestamp counting on. */
function sendMedia(twilio: WebSocket, ms: number): void {
  const pcm = tone(300, 8000, ms * 8);
  for (let i = 0; i * 160 < pcm.length; i++) {
    const media = inboundMedia(pcm.subarray(i * 160, (i + 1) * 160), i + 1, i * 20);
    twilio.send(JSON.stringify({ event: 'media', sequenceNumber: String(i + 2), streamSid: STREAM_SID, media }));
  }
}

async function hopsOf(line: TwilioStreamLine, twilio: WebSocket): Promise<HopFrame[]> {
  const got = once(line, 'input') as Promise<[{ hops: ReadableStream<HopFrame> }]>;
  line.start(HOP);
  const [{ hops }] = await got;
  const out: HopFrame[] = [];
  const reader = hops.getReader();
  // Twilio's stop ends the stream (the line closes its input); the queued hops are still read
  twilio.send(
    JSON.stringify({ event: 'stop', sequenceNumber: '999', streamSid: STREAM_SID, stop: { accountSid: 'x', callSid: CALL_SID } }),
  );
  for (;;) {
    const r = await reader.read();
    if (r.done) return out;
    out.push(r.value);
  }
}

describe('TwilioStreamLine: the audio that arrives while the call sets up', () => {
  it('keeps all of it: 4 s held before the call asks for hops reach the reader whole, none dropped as "reader behind"', async () => {
    const { twilio, line: pending } = await connect();
    const line = await pending;
    sendMedia(twilio, 4_000);
    // the call is still loading (VAD, Realtime session): the media waits in the line
    await new Promise((r) => setTimeout(r, 300));
    const hops = await hopsOf(line, twilio);
    // 4 s at 16 kHz in 256-sample hops, the last partial one dropped at the close
    expect(hops.length).toBe(Math.floor((4_000 * 16) / HOP));
    const figures = line.figures() as { in: { droppedHops: number; streamMs: number } };
    expect(figures.in.droppedHops).toBe(0);
    expect(figures.in.streamMs).toBe(4_000);
    twilio.close();
  });
});
