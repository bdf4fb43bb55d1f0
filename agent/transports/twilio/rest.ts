import twilio from 'twilio';
import type { TwilioConfig } from '../../config/config.js';

/** What a call on Twilio needs of its REST API: ending the call, handing it to a person. */
export interface TwilioCallControl {
  /** Hangs the call up (Status=completed): Twilio ends the stream with `stop` and the caller hears the line drop. */
  complete(callSid: string): Promise<void>;
  /** Replaces the call's TwiML with <Dial> to `target`: the stream ends and Twilio connects the caller. */
  dial(callSid: string, target: string): Promise<void>;
}

/**
 * Twilio's REST API through the `twilio` library: the Calls resource's update. `cfg.apiUrl` is the
 * API's base URL (https://api.twilio.com), which the library lets us point elsewhere (its domain's
 * baseUrl): the tests' stand-in records the exact request there.
 */
export function twilioCallControl(cfg: Pick<TwilioConfig, 'accountSid' | 'authToken' | 'apiUrl'>): TwilioCallControl {
  const client = twilio(cfg.accountSid, cfg.authToken, { autoRetry: true, maxRetries: 2, timeout: 10_000 });
  client.api.baseUrl = cfg.apiUrl;
  return {
    async complete(callSid) {
      await client.calls(callSid).update({ status: 'completed' });
    },
    async dial(callSid, target) {
      await client.calls(callSid).update({ twiml: dialTwiml(target) });
    },
  };
}

/** <Dial> to a number, or to a SIP URI (<Sip>); tel: URIs are dialled as their number. */
export function dialTwiml(target: string): string {
  const r = new twilio.twiml.VoiceResponse();
  const dial = r.dial();
  if (target.startsWith('sip:')) dial.sip(target);
  else dial.number(target.replace(/^tel:/, ''));
  return r.toString();
}
