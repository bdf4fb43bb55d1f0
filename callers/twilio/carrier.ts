import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import WebSocket from 'ws';
import { type CallEnd, CarrierCall, type ViolationPolicy } from './call.js';
import type { TwilioRestStandin } from './rest-standin.js';
import { newSid } from './sids.js';
import { type ConnectStream, parseConnectStream } from './twiml.js';

/** How the carrier signs a request: right (the auth token), wrong (another key), or not at all. */
export type Signing = 'valid' | 'forged' | 'none';

export interface CallOptions {
  /** The voice webhook of the number called, exactly as configured in Twilio (it is part of the signature). */
  webhookUrl: string;
  authToken: string;
  accountSid: string;
  from: string;
  to: string;
  /** Signature on the webhook (default valid). */
  signature?: Signing;
  /** Signature on the stream's WebSocket handshake (default: as the webhook's). */
  streamSignature?: Signing;
}

export interface TwilioCarrierOptions {
  /** The REST stand-in the calls are registered with, so the agent can end or move them. */
  rest?: TwilioRestStandin;
  /**
   * What a protocol violation from the agent does: 'close' (default) closes the socket with 1008 so
   * a test cannot miss it; 'ignore' drops the message and streams on, as Twilio documents its
   * warnings 31950/31951. Either way it is recorded in the call's `violations`.
   */
  onViolation?: ViolationPolicy;
}

/** The webhook answered with something other than 200 and TwiML: Twilio would not start the call. */
export class WebhookRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`voice webhook answered ${status}: ${body.slice(0, 200)}`);
  }
}

/** The stream endpoint refused the WebSocket upgrade (Twilio's error 31920, handshake error). */
export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`stream endpoint refused the WebSocket upgrade with ${status}: ${body.slice(0, 200)}`);
  }
}

/** One webhook request as the carrier sent it. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  params: Record<string, string>;
}

function sign(how: Signing, authToken: string, url: string, params: Record<string, string>): Record<string, string> {
  if (how === 'none') return {};
  // a forged signature is well formed (base64 HMAC-SHA1), made with a key that is not the auth token
  const key = how === 'valid' ? authToken : `not-${authToken}`;
  return { 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(key, url, params) };
}

/**
 * Twilio, for calls to one Parley deployment: the voice webhook of an inbound call, signed; the
 * TwiML answer read strictly; the Media Stream it names opened with a signed handshake and run as
 * Twilio runs it (see CarrierCall).
 */
export class TwilioCarrier {
  readonly calls: CarrierCall[] = [];
  readonly webhookRequests: WebhookRequest[] = [];
  readonly #rest: TwilioRestStandin | undefined;
  readonly #policy: ViolationPolicy;

  constructor(options: TwilioCarrierOptions = {}) {
    this.#rest = options.rest;
    this.#policy = options.onViolation ?? 'close';
  }

  /**
   * Rings the deployment: resolves once the stream is up (`connected` and `start` sent). Throws
   * WebhookRefused if the webhook's answer is not 200 TwiML, TwimlError if the TwiML is not a
   * `<Connect><Stream>`, StreamRefused if the stream endpoint refuses the upgrade.
   */
  async call(o: CallOptions): Promise<CarrierCall> {
    const callSid = newSid('CA');
    const stream = await this.#webhook(o, callSid);
    const identity = {
      accountSid: o.accountSid,
      callSid,
      streamSid: newSid('MZ'),
      from: o.from,
      to: o.to,
      streamUrl: stream.url,
      customParameters: stream.parameters,
    };
    // Registered before the stream opens: the agent may end the call as soon as it has the CallSid.
    let live: CarrierCall | null = null;
    let endAsked: string | null = null;
    let movedOn = false;
    this.#rest?.register(identity, (reason, callGoesOn) => {
      movedOn = callGoesOn;
      if (live) void live.end(reason);
      else endAsked = reason;
    });
    let ws: WebSocket;
    try {
      ws = await openStream(stream.url, sign(o.streamSignature ?? o.signature ?? 'valid', o.authToken, stream.url, {}));
    } catch (e) {
      this.#rest?.ended(callSid);
      throw e;
    }
    const onEnd = (_end: CallEnd) => {
      // A call moved on to <Dial> or new TwiML goes on without the stream; any other end ends the call.
      if (!movedOn) this.#rest?.ended(callSid);
    };
    live = new CarrierCall(identity, ws, this.#policy, onEnd);
    this.calls.push(live);
    if (endAsked !== null) void live.end(endAsked);
    return live;
  }

  /** Hangs up every call still up, and waits for their sockets to close. */
  async hangUpAll(): Promise<void> {
    await Promise.all(this.calls.map((c) => c.hangUp()));
  }

  async #webhook(o: CallOptions, callSid: string): Promise<ConnectStream> {
    // The parameters Twilio posts to a voice webhook for an inbound call (Direction inbound, ringing).
    const params: Record<string, string> = {
      AccountSid: o.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: callSid,
      CallStatus: 'ringing',
      Called: o.to,
      CalledCountry: 'US',
      Caller: o.from,
      CallerCountry: 'US',
      Direction: 'inbound',
      From: o.from,
      FromCountry: 'US',
      To: o.to,
      ToCountry: 'US',
    };
    // Twilio signs the exact URL it requests followed by the POST parameters sorted by name.
    const headers = {
      'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      'User-Agent': 'TwilioProxy/1.1',
      'I-Twilio-Idempotency-Token': randomUUID(),
      ...sign(o.signature ?? 'valid', o.authToken, o.webhookUrl, params),
    };
    this.webhookRequests.push({ url: o.webhookUrl, headers, params });
    const res = await fetch(o.webhookUrl, { method: 'POST', headers, body: new URLSearchParams(params).toString(), redirect: 'manual' });
    const body = await res.text();
    if (res.status !== 200) throw new WebhookRefused(res.status, body);
    const type = res.headers.get('content-type') ?? '';
    if (!/xml/.test(type)) throw new WebhookRefused(res.status, `not TwiML (Content-Type ${type || 'none'}): ${body}`);
    return parseConnectStream(body);
  }
}

/**
 * Opens the stream's socket with Twilio's `X-Twilio-Signature` on the upgrade request. Twilio says a
 * Media Streams endpoint must validate that header "the same verification mechanism used for
 * standard Twilio webhooks" (twilio.com/docs/global-infrastructure/firewall-configurations/
 * media-streams-configuration; ConversationRelay onboarding: "in the initial WebSocket handshake
 * request … use your Twilio auth token and the request URL"), and a webhook's signature is over
 * "the exact URL" plus the parameters of the request (docs/usage/webhooks/webhooks-security). The
 * handshake is a GET with no body and the `<Stream url>` has no query string, so the signed string
 * is the `<Stream url>` alone: `validateRequest(authToken, signature, streamUrl, {})` on the agent.
 */
function openStream(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (req, res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        req.destroy();
        reject(new StreamRefused(res.statusCode ?? 0, Buffer.concat(parts).toString()));
      });
    });
    ws.once('error', reject);
  });
}
