import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import twilio from 'twilio';
import { log } from '../../log.js';
import type { StreamHandoff } from './call-processes.js';
import { StreamTickets } from './stream-token.js';
import { answerVoiceWebhook, STREAM_PATH, streamUrlOf, VOICE_PATH } from './voice-webhook.js';

export interface GatewayOptions {
  host: string;
  port: number;
  publicUrl: string;
  accountSid: string;
  authToken: string;
  /** Where an admitted stream goes: a call process of its own. */
  handOff(h: StreamHandoff, socket: Socket): Promise<number>;
}

/** Bigger than any webhook Twilio sends (a few hundred bytes of form fields). */
const MAX_BODY = 64 * 1024;

/**
 * Twilio's side of the house: the voice webhook (POST /twilio/voice) and the media stream
 * endpoint (WebSocket upgrade at /twilio/stream). The webhook checks Twilio's signature and
 * answers TwiML that connects the call to the stream; the stream's upgrade must be signed too,
 * and is handed, socket and all, to a call process, which speaks the protocol and admits the
 * stream only with the ticket its webhook issued (stream-token.ts). Nothing of a call runs here.
 */
export class TwilioGateway {
  readonly #server: Server;
  readonly #tickets: StreamTickets;

  constructor(private readonly o: GatewayOptions) {
    this.#tickets = new StreamTickets(o.authToken);
    this.#server = createServer((req, res) => void this.#request(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.#upgrade(req, socket, head));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.o.port, this.o.host, () => resolve());
    });
    const a = this.#server.address();
    return typeof a === 'object' && a ? `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` : '';
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    await closed;
  }

  async #request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    if (req.method === 'GET' && path === '/healthz') return end(res, 200, 'text/plain', 'ok\n');
    if (path.split('?')[0] !== VOICE_PATH) return end(res, 404, 'text/plain', 'not found\n');
    if (req.method !== 'POST') return end(res, 405, 'text/plain', 'POST only\n');
    if (!/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? '')) {
      return end(res, 415, 'text/plain', 'the webhook takes application/x-www-form-urlencoded\n');
    }
    let body: string;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (e) {
      return end(res, 413, 'text/plain', `${(e as Error).message}\n`);
    }
    const a = answerVoiceWebhook(
      { authToken: this.o.authToken, accountSid: this.o.accountSid, publicUrl: this.o.publicUrl, tickets: this.#tickets },
      { path, signature: header(req, 'x-twilio-signature'), body },
    );
    if (a.status === 200) log.info({ callSid: a.callSid }, 'twilio: call admitted, stream to follow');
    else log.warn({ status: a.status, why: a.body.trim(), from: req.socket.remoteAddress }, 'twilio: webhook refused');
    end(res, a.status, a.contentType, a.body);
  }

  async #upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const path = req.url ?? '/';
    if (path.split('?')[0] !== STREAM_PATH) return reject(socket, 404, 'not found');
    // Twilio signs the stream's handshake like a webhook: over the stream URL, with no parameters
    const url = streamUrlOf(this.o.publicUrl) + path.slice(STREAM_PATH.length);
    const signature = header(req, 'x-twilio-signature');
    if (!signature || !twilio.validateRequest(this.o.authToken, signature, url, {})) {
      log.warn({ from: req.socket.remoteAddress, signed: !!signature }, 'twilio: stream refused (signature)');
      return reject(socket, 403, 'X-Twilio-Signature missing or wrong');
    }
    try {
      const pid = await this.o.handOff({ type: 'stream', url: path, headers: req.headers, head: head.toString('base64') }, socket);
      log.debug({ pid }, 'twilio: stream handed to a call process');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'twilio: no call process for the stream');
      reject(socket, 503, 'no call process available');
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function end(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

function reject(socket: Socket, status: number, why: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) {
        reject(new Error(`body over ${max} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
