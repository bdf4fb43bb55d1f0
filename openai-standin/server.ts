import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { log } from '../agent/log.js';
import { createChatEndpoint, type ChatScript, type ObservedChat } from './chat.js';
import { RealtimeSchemas } from './protocol/schemas.js';
import { findRealtimeSchemas } from './protocol/schema-path.js';
import { ScriptRunner, type StandinScript } from './script.js';
import type { WanOptions } from './wan.js';
import type { ClientEvent, ClientEventOf, ClientEventType } from './events.js';
import type { StandinResponse } from './response-stream.js';
import { REALTIME_MODELS, StandinSession } from './session.js';
import { Speech } from '../speech/espeak.js';

export interface StandinOptions {
  host?: string;
  port?: number;
  script?: StandinScript;
  chat?: ChatScript;
  /**
   * OpenAI's Realtime event schemas (default: found beside the project, see schema-path.ts); null
   * runs without them (no client validation, our own events unchecked).
   */
  schemasPath?: string | null;
  /** Age at which a session is ended, as the API ends one at 60 minutes (default). */
  sessionMaxMs?: number;
  /** A WAN between the agent and the stand-in (default none; `npm start` and `npm run ab` use DEFAULT_WAN). */
  wan?: WanOptions;
}

/**
 * One event outside OpenAI's schema: a client event the stand-in refused (as the API would), or
 * an event the stand-in itself sent that the API never would (a bug of the stand-in).
 */
export interface SchemaFailure {
  direction: 'client' | 'server';
  session: string;
  type: string;
  problems: string[];
}

/** A client event as the stand-in received it, with its session. */
export interface ObservedEvent {
  session: string;
  at: number;
  type: string;
  payload: ClientEvent;
}

/** Extra HTTP routes (e.g. a chat-completions endpoint), mounted beside the Realtime socket. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void;

export interface RealtimeStandin {
  /** http://host:port — the Realtime base URL is `${url}/v1`. */
  url: string;
  port: number;
  /** Replaces the script for sessions (and responses) from now on. */
  setScript(script: StandinScript): void;
  clientEvents(): ObservedEvent[];
  /** The client events of one type, typed as the protocol types them. */
  clientEventsOf<K extends ClientEventType>(type: K): (ObservedEvent & { payload: ClientEventOf<K> })[];
  /** Whether events are checked against OpenAI's schemas in this run. */
  readonly validating: boolean;
  /** Events in either direction that failed OpenAI's schema (client ones were refused, as errors). */
  schemaFailures(): SchemaFailure[];
  responses(): StandinResponse[];
  sessions(): string[];
  /** WebSocket connections accepted so far (sessions or refused). */
  connections(): number;
  route(path: string, handler: HttpRoute): void;
  /** The chat-completions endpoint (thinkers) at `${url}/v1/chat/completions`. */
  setChatScript(script: ChatScript): void;
  chatRequests(): ObservedChat[];
  close(): Promise<void>;
}

/**
 * The local stand-in for the OpenAI Realtime API (tests, and `npm start` without a key): the same
 * WebSocket protocol at /v1/realtime (and chat completions at /v1/chat/completions), real speech from espeak-ng, scripted latency and faults.
 */
export async function startRealtimeStandin(opts: StandinOptions = {}): Promise<RealtimeStandin> {
  const speech = new Speech();
  const schemasPath = opts.schemasPath === undefined ? findRealtimeSchemas() : opts.schemasPath;
  const schemas = schemasPath ? RealtimeSchemas.load(schemasPath) : null;
  if (!schemas) log.warn('realtime stand-in: no OpenAI event schemas found; events are not validated');
  const schemaFailures: SchemaFailure[] = [];
  let runner = new ScriptRunner(opts.script ?? {});
  const events: ObservedEvent[] = [];
  let connections = 0;
  const responses: StandinResponse[] = [];
  const sessions = new Map<string, StandinSession>();
  const routes = new Map<string, HttpRoute>();
  const chat = createChatEndpoint(opts.chat);
  routes.set('/v1/chat/completions', chat.handler);

  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes.get(path);
    if (route) return route(req, res);
    res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(path === '/' ? { service: 'parley local Realtime stand-in' } : { error: { message: 'not found' } }));
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (url.pathname !== '/v1/realtime') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    // like the real API: no credentials, no session
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n{"error":{"message":"Missing bearer authentication in header","type":"invalid_request_error","code":null}}',
      );
      return;
    }
    const model = url.searchParams.get('model') ?? 'gpt-realtime';
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections++;
      // the other way the API is reported to meet an unknown model (by script): an error as soon
      // as the socket opens, then the close
      if (runner.script.unknownModelAtConnect && !REALTIME_MODELS.has(model)) {
        const error = {
          type: 'invalid_request_error',
          code: 'model_not_found',
          message: `The model \`${model}\` does not exist or you do not have access to it.`,
          param: null,
          event_id: null,
        };
        ws.send(JSON.stringify({ type: 'error', event_id: `event_${Date.now().toString(36)}`, error }), () =>
          ws.close(1008, 'model_not_found'),
        );
        return;
      }
      const s = new StandinSession(
        ws,
        runner,
        speech,
        {
          onClientEvent: (sess, e) => {
            // audio appends are many and large: keep the event, not its audio
            const payload = e.type === 'input_audio_buffer.append' ? { ...e, audio: '' } : e;
            events.push({ session: sess.id, at: Date.now(), type: e.type, payload });
            if (events.length > 20_000) events.splice(0, events.length - 20_000);
          },
          onResponse: (r) => {
            responses.push(r);
            if (responses.length > 10_000) responses.shift();
          },
          onSchemaFailure: (sess, direction, type, problems) => {
            if (direction === 'server')
              log.error({ session: sess.id, type, problems }, 'realtime stand-in sent an event outside OpenAI schema');
            if (schemaFailures.length < 1000) schemaFailures.push({ direction, session: sess.id, type, problems });
          },
        },
        { schemas, maxAgeMs: opts.sessionMaxMs, wan: opts.wan, model },
      );
      sessions.set(s.id, s);
      ws.on('close', () => sessions.delete(s.id));
      log.debug({ session: s.id, model }, 'realtime stand-in: session opened');
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = http.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const seen: string[] = [];
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    setScript: (script) => (runner = new ScriptRunner(script)),
    clientEvents: () => events.slice(),
    clientEventsOf: <K extends ClientEventType>(type: K) =>
      events.filter((e): e is ObservedEvent & { payload: ClientEventOf<K> } => e.payload.type === type),
    validating: schemas !== null,
    schemaFailures: () => schemaFailures.slice(),
    responses: () => responses.slice(),
    sessions: () => {
      for (const e of events) if (!seen.includes(e.session)) seen.push(e.session);
      return seen.slice();
    },
    connections: () => connections,
    route: (path, handler) => void routes.set(path, handler),
    setChatScript: (s) => chat.setScript(s),
    chatRequests: () => chat.requests(),
    close: async () => {
      for (const s of sessions.values()) s.close();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
