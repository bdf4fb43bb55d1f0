import { dispose } from '@livekit/rtc-node';
import { Calls } from '../../callers/dispatch.js';
import { TwilioCarrier } from '../../callers/twilio/carrier.js';
import type { CarrierCall } from '../../callers/twilio/call.js';
import { TwilioRestStandin } from '../../callers/twilio/rest-standin.js';
import { type RealtimeStandin, type StandinOptions, startRealtimeStandin } from '../../openai-standin/server.js';
import type { Service } from '../../stack/service.js';
import { startTestStack, startTestTwilioGateway, type TestStack } from '../../stack/test-stack.js';

/** The account and token the tests' gateway and carrier share (not the built-in development ones). */
export const TEST_ACCOUNT_SID = `AC${'7'.repeat(32)}`;
export const TEST_AUTH_TOKEN = 'parley-test-twilio-token-7777';

export interface TwilioStack {
  stack: TestStack;
  peer: RealtimeStandin;
  rest: TwilioRestStandin;
  carrier: TwilioCarrier;
  gateway: Service;
  /** The gateway's public URL (signatures are over it). */
  url: string;
  /** Turn records from Redis (room = the stream's sid). */
  calls: Calls;
  /** A call from `from` to the agent's number, signed unless told otherwise. */
  dial(o?: { from?: string; signature?: 'valid' | 'forged' | 'none'; streamSignature?: 'valid' | 'forged' | 'none' }): Promise<CarrierCall>;
  stop(): Promise<void>;
}

/**
 * Redis, the Realtime stand-in, Twilio's REST stand-in, the Twilio gateway (its call processes
 * forked warm) and a Twilio-faithful carrier: a phone call over Media Streams with every part
 * real except Twilio itself.
 */
export async function startTwilioStack(gatewayEnv: NodeJS.ProcessEnv = {}, standin: StandinOptions = {}): Promise<TwilioStack> {
  const stack = await startTestStack();
  const peer = await startRealtimeStandin({ ...standin, host: '127.0.0.1', port: 0 });
  const rest = new TwilioRestStandin({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  await rest.listen();
  const { service: gateway, url } = await startTestTwilioGateway(stack, `${peer.url}/v1`, {
    TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    PARLEY_TWILIO_API_URL: rest.baseUrl,
    PARLEY_IDLE_NUDGE_MS: '0',
    PARLEY_IDLE_GOODBYE_MS: '0',
    ...gatewayEnv,
  });
  const carrier = new TwilioCarrier({ rest });
  const calls = new Calls(stack, 'twilio');
  return {
    stack,
    peer,
    rest,
    carrier,
    gateway,
    url,
    calls,
    dial: (o = {}) =>
      carrier.call({
        webhookUrl: `${url}/twilio/voice`,
        authToken: TEST_AUTH_TOKEN,
        accountSid: TEST_ACCOUNT_SID,
        from: o.from ?? '+15550111',
        to: '+15550199',
        signature: o.signature ?? 'valid',
        ...(o.streamSignature ? { streamSignature: o.streamSignature } : {}),
      }),
    stop: async () => {
      await carrier.hangUpAll().catch(() => {});
      calls.close();
      await gateway.stop(15_000);
      await rest.close();
      await peer.close();
      await stack.stop();
      await dispose();
    },
  };
}
