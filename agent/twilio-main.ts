import { fileURLToPath } from 'node:url';
import { ConfigError } from './config/parse.js';
import { loadConfig, type ParleyConfig } from './config/config.js';
import { configureLog, log } from './log.js';
import { CallProcesses } from './transports/twilio/call-processes.js';
import { TwilioGateway } from './transports/twilio/gateway.js';

// The Twilio Media Streams gateway: Twilio's voice webhook and the stream endpoint, each call in
// a process of its own (agent/twilio-call.ts) running the same call as a LiveKit job. A bad
// configuration stops it here, with every problem listed.
let cfg: ParleyConfig;
try {
  cfg = loadConfig();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`parley twilio gateway: ${e.message}`);
  process.exit(2);
}
configureLog({ level: cfg.logLevel });
const tw = cfg.twilio;
if (tw.devCredentials)
  log.warn('twilio: development account and token (loopback only); set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN for a real number');

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const callEntry = fileURLToPath(new URL(`./twilio-call${ext}`, import.meta.url));
// the same young-generation bound as the worker's jobs (stack/worker.ts)
const calls = new CallProcesses(callEntry, tw.idleProcesses, ['--max-semi-space-size=2']);
calls.start();
const gateway = new TwilioGateway({ ...tw, handOff: (h, socket) => calls.handOff(h, socket) });
const url = await gateway.listen();
log.info({ url, publicUrl: tw.publicUrl, webhook: `${tw.publicUrl}/twilio/voice` }, 'twilio gateway listening');

// SIGTERM drains: no new calls, the ones under way finish (up to 10 minutes), then exit.
let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log.info({ calls: calls.busy }, 'twilio gateway draining');
    void Promise.all([gateway.close(), calls.drain(10 * 60_000)]).then(() => process.exit(0));
  });
}
