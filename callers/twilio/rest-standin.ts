import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCallUpdate, TwimlError } from './twiml.js';

/**
 * A local stand-in for api.twilio.com's Calls resource, the part of Twilio's REST API a Parley
 * deployment uses: `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` to end a call
 * (`Status=completed`) or move it on (`Twiml=<Response><Dial>…`, `Url=`), with Basic auth
 * (AccountSid:AuthToken) and a form body, answered as Twilio answers: the call resource as JSON,
 * or Twilio's error JSON (`code`, `message`, `more_info`, `status`).
 *
 * The agent side points the `twilio` library at it by the API domain's base URL (Domain.absoluteUrl
 * joins `baseUrl` and the version's `/2010-04-01/…` path; BaseTwilio.request leaves a loopback host
 * alone unless TWILIO_REGION / TWILIO_EDGE or the client's region/edge are set):
 *
 *   const client = twilio(accountSid, authToken);
 *   client.api.baseUrl = rest.baseUrl;            // e.g. http://127.0.0.1:41234
 *   await client.calls(callSid).update({ status: 'completed' });
 */

export interface RestAccount {
  accountSid: string;
  authToken: string;
}

export interface RestRequest {
  at: number;
  method: string;
  path: string;
  /** The Basic auth user, whether or not it was accepted; null without Basic auth. */
  authUser: string | null;
  /** The form body, parsed (empty for a GET or an unreadable body). */
  params: Record<string, string>;
  /** The status the stand-in answered with. */
  status: number;
}

export interface RestCall {
  accountSid: string;
  callSid: string;
  from: string;
  to: string;
  status: 'in-progress' | 'completed';
  startedAt: Date;
  endedAt: Date | null;
  /** The `<Dial>` target of a `Twiml` update, and every Twiml / Url the call was moved on to. */
  dialed: string | null;
  twiml: string[];
  redirects: string[];
}

/**
 * How the carrier ends a call's stream when the REST API ends the call or moves it away from its
 * <Connect> (`callGoesOn`: to a <Dial>, new TwiML or a Url, so the call itself is not over).
 */
export type EndStream = (reason: string, callGoesOn: boolean) => void;

const CALL_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/;
const UPDATE_PARAMS = new Set([
  'Status',
  'Twiml',
  'Url',
  'Method',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackMethod',
  'TimeLimit',
]);

export class TwilioRestStandin {
  readonly requests: RestRequest[] = [];
  readonly calls = new Map<string, RestCall>();
  readonly #accounts: Map<string, string>;
  readonly #endStream = new Map<string, EndStream>();
  #server: Server | null = null;
  #baseUrl: string | null = null;

  constructor(accounts: RestAccount | readonly RestAccount[]) {
    this.#accounts = new Map((Array.isArray(accounts) ? accounts : [accounts]).map((a: RestAccount) => [a.accountSid, a.authToken]));
  }

  /** Starts serving on loopback; resolves with the base URL to give the library (`client.api.baseUrl`). */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    this.#server = server;
    this.#baseUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
    return this.#baseUrl;
  }

  get baseUrl(): string {
    if (!this.#baseUrl) throw new Error('the REST stand-in is not listening');
    return this.#baseUrl;
  }

  /** A call the carrier put through: it can now be updated, and `endStream` ends its Media Stream. */
  register(call: { accountSid: string; callSid: string; from: string; to: string }, endStream: EndStream): void {
    this.calls.set(call.callSid, {
      ...call,
      status: 'in-progress',
      startedAt: new Date(),
      endedAt: null,
      dialed: null,
      twiml: [],
      redirects: [],
    });
    this.#endStream.set(call.callSid, endStream);
  }

  /** The call is over on the carrier's side (hang-up either way); its resource says completed. */
  ended(callSid: string): void {
    const call = this.calls.get(callSid);
    if (call && call.status !== 'completed') Object.assign(call, { status: 'completed', endedAt: new Date() });
    this.#endStream.delete(callSid);
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const record: RestRequest = { at: Date.now(), method: req.method ?? '', path, authUser: null, params: {}, status: 0 };
    this.requests.push(record);
    const answer = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: number, message: string) =>
      answer(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

    const body = await readBody(req);
    if (req.method === 'POST' && /^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? ''))
      record.params = Object.fromEntries(new URLSearchParams(body));

    // Twilio authenticates before it looks the resource up: bad credentials are 401 on any path.
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, ...rest] = auth ? Buffer.from(auth[1]!, 'base64').toString().split(':') : [];
    record.authUser = user ?? null;
    const match = CALL_PATH.exec(path);
    if (!user || this.#accounts.get(user) !== rest.join(':') || (match && match[1] !== user)) return error(401, 20003, 'Authenticate');
    const call = match ? this.calls.get(match[2]!) : undefined;
    if (!match || !call || call.accountSid !== match[1]) return error(404, 20404, `The requested resource ${path} was not found`);
    if (req.method === 'GET') return answer(200, callResource(call));
    if (req.method !== 'POST') return error(405, 20004, 'Method not allowed');
    if (!/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? ''))
      return error(400, 20001, 'The body must be application/x-www-form-urlencoded');
    // (20001 is used for every malformed body: which code Twilio gives each case was not verified.)
    const p = record.params;
    const unknown = Object.keys(p).filter((k) => !UPDATE_PARAMS.has(k));
    if (unknown.length) return error(400, 20001, `Unknown parameters: ${unknown.join(', ')}`);
    if (p.Status === undefined && p.Twiml === undefined && p.Url === undefined)
      return error(400, 20001, 'Nothing to update: give Status, Twiml or Url');
    if (p.Status !== undefined && p.Status !== 'completed' && p.Status !== 'canceled')
      return error(400, 20001, `Status must be canceled or completed, not ${JSON.stringify(p.Status)}`);
    if (p.Twiml !== undefined && p.Url !== undefined) return error(400, 20001, 'Give Twiml or Url, not both');
    let update: ReturnType<typeof parseCallUpdate> | null = null;
    if (p.Twiml !== undefined) {
      try {
        update = parseCallUpdate(p.Twiml);
      } catch (e) {
        return error(400, 20001, e instanceof TwimlError ? e.message : String(e));
      }
    }
    if (p.Url !== undefined && !/^https?:\/\/[^/]/.test(p.Url)) return error(400, 20001, `Url is not an absolute http(s) URL: ${p.Url}`);

    if (p.Status === 'completed') {
      this.#end(call, 'call completed via the REST API');
      return answer(200, callResource(call));
    }
    // "Specifying canceled will attempt to hang up calls that are queued or ringing; however, it
    // will not affect calls already in progress." (Call resource, Status)
    if (p.Status === 'canceled' && !update && p.Url === undefined) return answer(200, callResource(call));
    if (call.status === 'completed') return error(400, 21220, 'Call is not in-progress. Cannot redirect.');
    if (update) {
      call.twiml.push(p.Twiml!);
      call.dialed = update.dial ?? call.dialed;
      // The call leaves <Connect><Stream> for the new TwiML, so its stream ends (stop, then close).
      this.#endStream.get(call.callSid)?.(
        update.dial ? `call moved on to <Dial>${update.dial}</Dial>` : 'call moved on to new TwiML',
        true,
      );
    } else {
      // The new document is not fetched: the stand-in only records where the call was sent.
      call.redirects.push(p.Url!);
      this.#endStream.get(call.callSid)?.(`call redirected to ${p.Url}`, true);
    }
    return answer(200, callResource(call));
  }

  #end(call: RestCall, reason: string): void {
    const end = this.#endStream.get(call.callSid);
    this.ended(call.callSid);
    end?.(reason, false);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString()));
    req.on('error', reject);
  });
}

/** The call as the API's JSON shows it (snake_case, RFC 2822 dates, numbers as strings). */
function callResource(c: RestCall): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${c.accountSid}/Calls/${c.callSid}`;
  const duration = c.endedAt ? String(Math.round((c.endedAt.getTime() - c.startedAt.getTime()) / 1000)) : null;
  return {
    sid: c.callSid,
    date_created: c.startedAt.toUTCString(),
    date_updated: (c.endedAt ?? c.startedAt).toUTCString(),
    parent_call_sid: null,
    account_sid: c.accountSid,
    to: c.to,
    to_formatted: c.to,
    from: c.from,
    from_formatted: c.from,
    phone_number_sid: null,
    status: c.status,
    start_time: c.startedAt.toUTCString(),
    end_time: c.endedAt?.toUTCString() ?? null,
    duration,
    price: null,
    price_unit: 'USD',
    direction: 'inbound',
    answered_by: null,
    annotation: null,
    api_version: '2010-04-01',
    forwarded_from: null,
    group_sid: null,
    caller_name: null,
    queue_time: '0',
    trunk_sid: null,
    uri: `${uri}.json`,
    subresource_uris: {
      notifications: `${uri}/Notifications.json`,
      recordings: `${uri}/Recordings.json`,
      payments: `${uri}/Payments.json`,
      events: `${uri}/Events.json`,
      siprec: `${uri}/Siprec.json`,
      streams: `${uri}/Streams.json`,
      transcriptions: `${uri}/Transcriptions.json`,
      user_defined_message_subscriptions: `${uri}/UserDefinedMessageSubscriptions.json`,
      user_defined_messages: `${uri}/UserDefinedMessages.json`,
    },
  };
}
