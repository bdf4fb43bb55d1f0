import { loadConfig } from '../../agent/config/config.js';
import { startWebFromConfig } from './from-config.js';

/** `tsx web-client/server/main.ts`: the token server and the built page on their own (deployment). */
const cfg = loadConfig();
const web = await startWebFromConfig(cfg, { host: cfg.web.host, port: cfg.web.port });
console.log(`web client listening on ${web.url}`);
const stop = () => void web.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
