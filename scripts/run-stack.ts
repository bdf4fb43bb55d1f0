import { SipClient } from 'livekit-server-sdk';
import { loadConfig } from '../agent/config/config.js';
import { startPhoneCallers } from '../callers/phone-callers.js';
import { TwilioCarrier } from '../callers/twilio/carrier.js';
import { TwilioRestStandin } from '../callers/twilio/rest-standin.js';
import { provisionSip } from '../sip/provision.js';
import { startSip } from '../stack/sip.js';
import { startTwilioGateway } from '../stack/twilio.js';
import { startLivekit } from '../stack/livekit.js';
import { startRedis } from '../stack/redis.js';
import { startService, type Service } from '../stack/service.js';
import { startWorker } from '../stack/worker.js';
import { startBrowserCaller } from '../callers/browser.js';
import { startWebFromConfig } from '../web-client/server/from-config.js';

/**
 * Runs Redis, livekit-server, LiveKit SIP with a development trunk, the local Realtime stand-in
 * (when there is no OPENAI_API_KEY), the worker, the Twilio Media Streams gateway and the web
 * client's server until Ctrl-C. In --isolated mode (inside the namespace made by in-netns.sh)
 * livekit-server advertises the namespace's veth address, a headless Chromium inside the namespace
 * calls the agent through the page, and a scripted caller on each phone path (sipp through LiveKit
 * SIP, a Twilio-faithful carrier through the gateway) prints its turns.
 */
const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const isolated = process.argv.includes('--isolated');
const nodeIp = isolated ? process.env.PARLEY_NODE_IP : undefined;
if (isolated && !nodeIp) throw new Error('--isolated must run through scripts/in-netns.sh');

const cfg = loadConfig();
/** The number the development SIP trunk answers. */
const DEV_NUMBER = '+15550100';
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
  const env: NodeJS.ProcessEnv = {
    LIVEKIT_URL: lk.url,
    REDIS_URL: cfg.redisUrl,
    // isolated: the scripted callers share the two cores with the worker, so the machine's CPU
    // says nothing about the worker's room for one more call (as in the tests): capacity by count,
    // or livekit-server drops the browser's dispatch while the worker reports itself full
    ...(isolated ? { PARLEY_CPU_FULL_AT: '0' } : {}),
  };
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

  // Phone callers through LiveKit SIP: a development trunk that takes calls from this machine only
  // (a softphone here dials sip:${DEV_NUMBER}@<address>:5060)
  const sipIp = nodeIp ?? '127.0.0.1';
  const sipCaller = isolated ? (process.env.PARLEY_PEER_IP ?? '10.77.0.2') : '127.0.0.1';
  const sip = await startSip(root, { wsUrl: lk.url, redisPort, ip: sipIp });
  services.push(sip);
  await provisionSip(new SipClient(lk.httpUrl, cfg.livekit.apiKey, cfg.livekit.apiSecret), {
    trunkName: 'parley-dev',
    numbers: [DEV_NUMBER],
    allowedAddresses: [...new Set(['127.0.0.1/32', `${sipCaller}/32`])],
    ruleName: 'parley-dev',
    roomPrefix: 'call-',
    agentName: cfg.agentName,
  });

  // Twilio Media Streams: the gateway. On the development account its REST calls (hang-up,
  // transfer) go to a local stand-in of Twilio's API; with TWILIO_* set they go to Twilio.
  const tw = cfg.twilio;
  let rest: TwilioRestStandin | null = null;
  if (tw.devCredentials) {
    rest = new TwilioRestStandin({ accountSid: tw.accountSid, authToken: tw.authToken });
    await rest.listen();
    services.push({ stop: () => rest!.close() });
  }
  const twilio = await startTwilioGateway(root, { ...env, ...(rest ? { PARLEY_TWILIO_API_URL: rest.baseUrl } : {}) });
  services.push(twilio);
  const carrier = new TwilioCarrier(rest ? { rest } : {});
  const web = await startWebFromConfig(cfg, {
    host: cfg.web.host,
    port: cfg.web.port,
    livekitUrl: lk.url,
  });
  services.push({ stop: () => web.close() });
  if (isolated) {
    services.push(await startBrowserCaller(web.url, `${root}/out`));
    services.push(
      startPhoneCallers({
        sip: { target: `${sipIp}:${sip.sipPort}`, from: sipCaller, number: DEV_NUMBER },
        twilio: {
          carrier,
          webhookUrl: `${tw.publicUrl}/twilio/voice`,
          authToken: tw.authToken,
          accountSid: tw.accountSid,
          number: DEV_NUMBER,
        },
      }),
    );
  }
  console.log(`
Parley is running.
  LiveKit      ${lk.url}   (key ${cfg.livekit.apiKey}; dev keys from livekit.yaml)
  Redis        ${cfg.redisUrl}
  Agent        "${cfg.agentName}" (explicit dispatch), VAD mode ${cfg.vadMode}
  Web client   ${web.url}${isolated ? '   (inside the namespace)' : ''}
  SIP          sip:${DEV_NUMBER}@${sipIp}:${sip.sipPort}   (LiveKit SIP; trunk "parley-dev" takes calls from ${isolated ? sipCaller : 'this machine'})
  Twilio       webhook ${tw.publicUrl}/twilio/voice, stream ${tw.publicUrl.replace(/^http/, 'ws')}/twilio/stream${tw.devCredentials ? '   (development account: REST calls go to a local stand-in)' : ''}
  Logs         out/logs/
${
  isolated
    ? `A headless Chromium inside the namespace is calling through the page, a SIP caller through
LiveKit SIP and a Twilio carrier through the gateway; their turns print below and
out/web-call.png shows the page.`
    : `Open ${web.url} and press Call. Or \`npm run call\` for a token any LiveKit client can use.
A softphone on this machine (baresip, Linphone) can dial sip:${DEV_NUMBER}@127.0.0.1:5060.
For a Twilio number, see docs/phone.md (expose the gateway, point the number's webhook at it).`
}
Ctrl-C stops everything.`);
} catch (e) {
  console.error((e as Error).message);
  await stopAll();
  process.exit(1);
}
