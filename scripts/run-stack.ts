import { loadConfig } from '../agent/config/config.js';
import { startLivekit } from '../stack/livekit.js';
import { startRedis } from '../stack/redis.js';
import { startService, type Service } from '../stack/service.js';
import { startWorker } from '../stack/worker.js';
import { startBrowserCaller } from '../callers/browser.js';
import { startWebFromConfig } from '../web-client/server/from-config.js';

/**
 * Runs Redis, livekit-server, the local Realtime stand-in (when there is no OPENAI_API_KEY), the
 * worker and the web client's server until Ctrl-C. In --isolated mode (inside the namespace made
 * by in-netns.sh) livekit-server advertises the namespace's veth address and a headless Chromium
 * inside the namespace calls the agent through the page.
 */
const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const isolated = process.argv.includes('--isolated');
const nodeIp = isolated ? process.env.PARLEY_NODE_IP : undefined;
if (isolated && !nodeIp) throw new Error('--isolated must run through scripts/in-netns.sh');

const cfg = loadConfig();
const services: Pick<Service, 'stop'>[] = [];
const stopAll = async () => {
  for (const s of services.reverse()) await s.stop().catch(() => {});
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)));

try {
  const redisPort = Number(new URL(cfg.redisUrl).port || 6379);
  const redis = await startRedis(redisPort, { reuse: true });
  if (redis) services.push(redis);
  const lk = await startLivekit(root, { nodeIp, redisPort });
  services.push(lk);
  const env: NodeJS.ProcessEnv = { LIVEKIT_URL: lk.url, REDIS_URL: cfg.redisUrl };
  if (cfg.openai.local) {
    const port = Number(new URL(cfg.openai.baseURL).port || 8089);
    services.push(
      await startService('realtime-peer', process.execPath, ['--import', 'tsx', `${root}/openai-standin/main.ts`, '--port', String(port)], {
        readyWhen: (t) => t.includes('listening'),
      }),
    );
    console.log(`\nNo OPENAI_API_KEY: answers come from the LOCAL Realtime stand-in (${cfg.openai.baseURL}), not OpenAI.`);
  }
  services.push(await startWorker(root, env));
  const web = await startWebFromConfig(cfg, {
    host: cfg.web.host,
    port: cfg.web.port,
    livekitUrl: lk.url,
  });
  services.push({ stop: () => web.close() });
  if (isolated) services.push(await startBrowserCaller(web.url, `${root}/out`));
  console.log(`
Parley is running.
  LiveKit      ${lk.url}   (key ${cfg.livekit.apiKey}; dev keys from livekit.yaml)
  Redis        ${cfg.redisUrl}
  Agent        "${cfg.agentName}" (explicit dispatch), VAD mode ${cfg.vadMode}
  Web client   ${web.url}${isolated ? '   (inside the namespace)' : ''}
  Logs         out/logs/
${
  isolated
    ? `A headless Chromium inside the namespace is calling through the page; its turns print below
and out/web-call.png shows the page.`
    : `Open ${web.url} and press Call. Or \`npm run call\` for a token any LiveKit client can use.`
}
Ctrl-C stops everything.`);
} catch (e) {
  console.error((e as Error).message);
  await stopAll();
  process.exit(1);
}
