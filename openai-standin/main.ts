import { log } from '../agent/log.js';
import { startRealtimeStandin } from './server.js';

// `npm run realtime -- --port 8089 [--host 127.0.0.1]`: the local Realtime stand-in on its own, for
// `npm start` without an OpenAI key.
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const peer = await startRealtimeStandin({ host: arg('host', '127.0.0.1'), port: Number(arg('port', '8089')) });
console.log(`local Realtime stand-in listening on ${peer.url}/v1 (not OpenAI: scripted answers, real speech)`);
const stop = () => void peer.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
log.debug('peer ready');
