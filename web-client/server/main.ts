import { loadConfig } from '../../agent/config.js';
import { startWebFromConfig } from './from-config.js';

/** `tsx web-client/server/main.ts`: the token server and the built page on their own (deployment). */
const web = await startWebFromConfig(loadConfig(), {
  host: process.env.PARLEY_WEB_HOST ?? '127.0.0.1',
  port: Number(process.env.PARLEY_WEB_PORT ?? 8080),
});
console.log(`web client listening on ${web.url}`);
const stop = () => void web.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
