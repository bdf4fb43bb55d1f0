import type { IncomingMessage } from 'node:http';
import { initializeLogger } from '@livekit/agents';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { runCall } from './call/call.js';
import { loadConfig } from './config/config.js';
import { configureLog, log, scopeLogToCall } from './log.js';
import type { CallProcessMessage, ClaimAnswer, StreamHandoff } from './transports/twilio/call-processes.js';
import { twilioCallControl } from './transports/twilio/rest.js';
import { acceptStream } from './transports/twilio/stream-line.js';
import { StreamTickets } from './transports/twilio/stream-token.js';
import { Teardown } from './util/teardown.js';
import { prewarmCallProcess } from './prewarm.js';

// One call on Twilio Media Streams, in a process of its own (forked warm by the gateway,
// agent/transports/twilio/call-processes.ts): it loads the VAD model, says it is ready, takes one
// stream's socket, speaks the protocol (agent/transports/twilio/stream-line.ts) and runs the same
// call as a LiveKit job (agent/call/call.ts). It exits when the call has ended.
const cfg = loadConfig();
configureLog({ level: cfg.logLevel });
// the Realtime plugin logs through @livekit/agents' logger, which a LiveKit job process has set up
// by the framework; here nothing has, and the plugin refuses to run without it
initializeLogger({ pretty: false, level: cfg.logLevel });
const vadModel = await prewarmCallProcess(cfg.vad);
const send = (m: CallProcessMessage) => process.send?.(m);
// the gateway is gone: an idle process has nothing to wait for
process.on('disconnect', () => {
  if (!taken) process.exit(0);
});
let taken = false;

/**
 * Asks the gateway whether a ticket is still unused (it remembers every process's). Its answer
 * takes a few ms; none within CLAIM_WAIT_MS is an error of its own, not a "used": a caller on a
 * slow gateway must not be told their first stream is a replay, and the log must say which it was.
 */
const CLAIM_WAIT_MS = 5_000;
function claim(ticket: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error(`the gateway did not answer the ticket's claim within ${CLAIM_WAIT_MS} ms`));
    }, CLAIM_WAIT_MS);
    const onMessage = (m: ClaimAnswer) => {
      if (m?.type !== 'claimed' || m.ticket !== ticket) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(m.ok);
    };
    process.on('message', onMessage);
    send({ type: 'claim', ticket });
  });
}

process.on('message', (m: StreamHandoff | ClaimAnswer, socket: Socket | undefined) => {
  if (m?.type !== 'stream') return;
  if (!socket || taken) return socket?.destroy();
  taken = true;
  const startedAt = Date.now();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  // ws reads only the method, url and headers of the upgrade request
  const req = { method: 'GET', url: m.url, headers: m.headers, socket } as unknown as IncomingMessage;
  wss.handleUpgrade(req, socket, Buffer.from(m.head, 'base64'), (ws) => void serve(ws, startedAt));
});
send({ type: 'ready' });

async function serve(ws: import('ws').WebSocket, startedAt: number): Promise<void> {
  const teardown = new Teardown();
  let ended = false;
  const end = async (reason: string, code = 0) => {
    if (ended) return;
    ended = true;
    for (const f of await teardown.run()) log.error({ step: f.name, err: f.error.message }, 'teardown step failed');
    log.info({ reason }, 'call ended');
    scopeLogToCall(null);
    process.exit(code);
  };
  const line = await acceptStream(ws, {
    tickets: new StreamTickets(cfg.twilio.authToken),
    claim,
    control: twilioCallControl(cfg.twilio),
  }).catch((e: Error) => {
    log.warn({ err: e.message }, 'twilio: stream refused');
    return null;
  });
  if (!line) return end('stream refused');
  teardown.defer('stream', () => line.close());
  line.on('hung-up', (reason) => void end(reason));
  try {
    await runCall(line, teardown, { cfg, vadModel, startedAt });
  } catch (e) {
    log.error({ err: (e as Error).message }, 'the call could not start');
    await end('call failed to start', 1);
  }
}
