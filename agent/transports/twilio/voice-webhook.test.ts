import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { StreamTickets } from './stream-token.js';
import { answerVoiceWebhook, STREAM_PATH, VOICE_PATH } from './voice-webhook.js';
import { dialTwiml } from './rest.js';

const token = 'test-auth-token-0123456789';
const accountSid = `AC${'a'.repeat(32)}`;
const publicUrl = 'https://voice.example.com';
const tickets = new StreamTickets(token);
const opts = { authToken: token, accountSid, publicUrl, tickets };
const callSid = `CA${'b'.repeat(32)}`;
const params = {
  CallSid: callSid,
  AccountSid: accountSid,
  From: '+15550111',
  To: '+15550199',
  CallStatus: 'ringing',
  Direction: 'inbound',
};
const body = new URLSearchParams(params).toString();
const sign = (p: Record<string, string>, key = token) => twilio.getExpectedTwilioSignature(key, publicUrl + VOICE_PATH, p);

describe('the voice webhook', () => {
  it('answers a signed call with <Connect><Stream> to the stream endpoint, carrying a ticket for that call', () => {
    const a = answerVoiceWebhook(opts, { path: VOICE_PATH, signature: sign(params), body });
    expect(a.status).toBe(200);
    expect(a.contentType).toBe('text/xml');
    expect(a.body).toMatch(new RegExp(`<Response><Connect><Stream url="wss://voice.example.com${STREAM_PATH}">`));
    const ticket = /<Parameter name="ticket" value="([^"]+)"\/>/.exec(a.body)?.[1];
    expect(tickets.refuse(callSid, ticket)).toBeNull();
    expect(a.body).toContain('<Parameter name="from" value="+15550111"/>');
  });

  it('refuses unsigned, forged, tampered and other-account requests with 403, and starts nothing', () => {
    expect(answerVoiceWebhook(opts, { path: VOICE_PATH, signature: undefined, body }).status).toBe(403);
    expect(answerVoiceWebhook(opts, { path: VOICE_PATH, signature: sign(params, 'another-token-0123456789'), body }).status).toBe(403);
    // signed, then a parameter changed on the way
    const tampered = new URLSearchParams({ ...params, From: '+15550666' }).toString();
    expect(answerVoiceWebhook(opts, { path: VOICE_PATH, signature: sign(params), body: tampered }).status).toBe(403);
    const other = { ...params, AccountSid: `AC${'c'.repeat(32)}` };
    const a = answerVoiceWebhook(opts, { path: VOICE_PATH, signature: sign(other), body: new URLSearchParams(other).toString() });
    expect(a).toMatchObject({ status: 403, body: 'not this account\n' });
    expect(a.callSid).toBeUndefined();
  });

  it('refuses a signed request that is not a call', () => {
    const p = { ...params, CallSid: 'nope' };
    expect(answerVoiceWebhook(opts, { path: VOICE_PATH, signature: sign(p), body: new URLSearchParams(p).toString() }).status).toBe(400);
  });
});

describe('dialTwiml', () => {
  it('dials numbers and SIP URIs', () => {
    expect(dialTwiml('+15550100')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>+15550100</Number></Dial></Response>',
    );
    expect(dialTwiml('tel:+15550100')).toContain('<Number>+15550100</Number>');
    expect(dialTwiml('sip:desk@pbx.example.com')).toContain('<Sip>sip:desk@pbx.example.com</Sip>');
  });
});
