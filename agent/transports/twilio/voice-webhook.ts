import twilio from 'twilio';
import type { StreamTickets } from './stream-token.js';

export const VOICE_PATH = '/twilio/voice';
export const STREAM_PATH = '/twilio/stream';

/** The <Parameter>s the stream's `start` carries back (customParameters). */
export const PARAM_TICKET = 'ticket';
export const PARAM_FROM = 'from';

export interface VoiceWebhookOptions {
  authToken: string;
  accountSid: string;
  /** The gateway as Twilio reaches it (signatures are over this URL + the request's path). */
  publicUrl: string;
  tickets: StreamTickets;
}

export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: string;
  /** The call it admitted. */
  callSid?: string;
}

const CALL_SID = /^CA[0-9a-f]{32}$/;

/**
 * Twilio's voice webhook for an incoming call: checks X-Twilio-Signature over the public URL and
 * the form parameters (the `twilio` library's validateRequest), then answers
 *   <Response><Connect><Stream url="wss://…/twilio/stream"><Parameter name="ticket" …/>…
 * A request that is unsigned, forged, for another account or not a call gets 403/400 and starts
 * nothing. The ticket is what the stream endpoint admits (stream-token.ts).
 */
export function answerVoiceWebhook(
  o: VoiceWebhookOptions,
  req: { path: string; signature: string | undefined; body: string },
): WebhookAnswer {
  const params = Object.fromEntries(new URLSearchParams(req.body));
  const url = o.publicUrl + req.path;
  if (!req.signature) return refuse(403, 'missing X-Twilio-Signature');
  if (!twilio.validateRequest(o.authToken, req.signature, url, params)) return refuse(403, 'X-Twilio-Signature does not match');
  if (params.AccountSid !== o.accountSid) return refuse(403, 'not this account');
  const callSid = params.CallSid ?? '';
  if (!CALL_SID.test(callSid)) return refuse(400, 'CallSid missing or malformed');
  const r = new twilio.twiml.VoiceResponse();
  const stream = r.connect().stream({ url: streamUrlOf(o.publicUrl) });
  stream.parameter({ name: PARAM_TICKET, value: o.tickets.issue(callSid) });
  if (params.From) stream.parameter({ name: PARAM_FROM, value: params.From });
  return { status: 200, contentType: 'text/xml', body: r.toString(), callSid };
}

/** The stream endpoint as Twilio reaches it: ws(s) on the public host. */
export function streamUrlOf(publicUrl: string): string {
  return publicUrl.replace(/^http/, 'ws') + STREAM_PATH;
}

function refuse(status: number, why: string): WebhookAnswer {
  return { status, contentType: 'text/plain', body: `${why}\n` };
}
