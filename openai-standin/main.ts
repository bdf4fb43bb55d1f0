import { log } from '../agent/log.js';
import { startRealtimeStandin } from './server.js';
import { DEFAULT_WAN } from './wan.js';

// `npm run realtime -- --port 8089 [--host 127.0.0.1] [--rtt-ms 100] [--jitter-ms 20]`: the local
// Realtime stand-in on its own, for `npm start` without an OpenAI key. It answers across a WAN's
// round trip by default (DEFAULT_WAN), as the real API does; --rtt-ms 0 answers at once.
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const wan = { rttMs: Number(arg('rtt-ms', String(DEFAULT_WAN.rttMs))), jitterMs: Number(arg('jitter-ms', String(DEFAULT_WAN.jitterMs))) };
if (!(wan.rttMs >= 0) || !(wan.jitterMs >= 0)) throw new Error('--rtt-ms and --jitter-ms take a number of ms, 0 or more');
// untidy where the API is: its count of an answer's audio runs ~85 ms short of the bytes it sent
// (reported publicly), so a truncate at the very end of an answer would be refused
const script = { audioCountShortfallMs: 85 };
const peer = await startRealtimeStandin({ host: arg('host', '127.0.0.1'), port: Number(arg('port', '8089')), wan, script });
console.log(
  `local Realtime stand-in listening on ${peer.url}/v1 (not OpenAI: scripted answers, real speech; ${wan.rttMs} ms round trip ±${wan.jitterMs})`,
);
const stop = () => void peer.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
log.debug('peer ready');
