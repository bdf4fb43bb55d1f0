import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { parseCallUpdate, parseConnectStream, parseXml } from './twiml.js';

function connectStream(url: string, parameters: Record<string, string> = {}): string {
  const r = new twilio.twiml.VoiceResponse();
  const s = r.connect().stream({ url });
  for (const [name, value] of Object.entries(parameters)) s.parameter({ name, value });
  return r.toString();
}

describe('parseConnectStream', () => {
  it("reads the twilio library's own <Connect><Stream> with its parameters, entities decoded", () => {
    const doc = connectStream('wss://agent.example.com/twilio/stream', { callerId: '+15550100', note: 'a<b & "c"' });
    expect(parseConnectStream(doc)).toEqual({
      url: 'wss://agent.example.com/twilio/stream',
      name: null,
      parameters: { callerId: '+15550100', note: 'a<b & "c"' },
    });
  });

  it('accepts ws:// on loopback only', () => {
    expect(parseConnectStream(connectStream('ws://127.0.0.1:9/s')).url).toBe('ws://127.0.0.1:9/s');
    expect(() => parseConnectStream(connectStream('ws://agent.example.com/s'))).toThrow(/only to wss/);
    expect(() => parseConnectStream(connectStream('https://agent.example.com/s'))).toThrow(/only to wss/);
  });

  it.each([
    ['another verb', '<Response><Say>hi</Say><Connect><Stream url="wss://a.b/s"/></Connect></Response>', /not exactly one <Connect>/],
    ['<Start><Stream> (unidirectional)', '<Response><Start><Stream url="wss://a.b/s"/></Start></Response>', /not exactly one <Connect>/],
    ['a query string', '<Response><Connect><Stream url="wss://a.b/s?token=1"/></Connect></Response>', /query string/],
    ['no url', '<Response><Connect><Stream/></Connect></Response>', /no url/],
    ['an unknown attribute', '<Response><Connect><Stream url="wss://a.b/s" foo="1"/></Connect></Response>', /no attribute foo/],
    ['<Connect action>', '<Response><Connect action="/next"><Stream url="wss://a.b/s"/></Connect></Response>', /not emulated/],
    [
      'a track other than inbound',
      '<Response><Connect><Stream url="wss://a.b/s" track="both_tracks"/></Connect></Response>',
      /only inbound_track/,
    ],
    [
      'a Parameter without value',
      '<Response><Connect><Stream url="wss://a.b/s"><Parameter name="a"/></Stream></Connect></Response>',
      /exactly name and value/,
    ],
    [
      'a repeated Parameter',
      '<Response><Connect><Stream url="wss://a.b/s"><Parameter name="a" value="1"/><Parameter name="a" value="2"/></Stream></Connect></Response>',
      /given twice/,
    ],
    [
      'two Streams',
      '<Response><Connect><Stream url="wss://a.b/s"/><Stream url="wss://a.b/t"/></Connect></Response>',
      /not exactly one <Stream>/,
    ],
    ['a mismatched end tag', '<Response><Connect><Stream url="wss://a.b/s"></Connect></Response>', /closes <Stream>/],
    ['a DOCTYPE', '<!DOCTYPE x><Response/>', /DOCTYPE/],
    ['trailing content', '<Response><Connect><Stream url="wss://a.b/s"/></Connect></Response><x/>', /after the root/],
    ['not XML at all', 'OK', /expected an element/],
  ])('refuses %s', (_what, doc, error) => {
    expect(() => parseConnectStream(doc)).toThrow(error);
  });
});

describe('parseCallUpdate', () => {
  it('finds the <Dial> target as text or as a <Number>/<Sip> noun', () => {
    const r = new twilio.twiml.VoiceResponse();
    r.say('Connecting you.');
    r.dial('+15550199');
    expect(parseCallUpdate(r.toString())).toEqual({ verbs: ['Say', 'Dial'], dial: '+15550199' });
    expect(parseCallUpdate('<Response><Dial><Sip>sip:desk@pbx.example.com</Sip></Dial></Response>').dial).toBe('sip:desk@pbx.example.com');
    expect(parseCallUpdate('<Response><Hangup/></Response>')).toEqual({ verbs: ['Hangup'], dial: null });
    expect(() => parseCallUpdate('<Response><Dial/></Response>')).toThrow(/no target/);
  });

  it('keeps comments out and decodes numeric references', () => {
    expect(parseXml('<?xml version="1.0"?><!-- c --><A x="&#65;&#x42;"><!-- d --><B/></A>')).toEqual({
      name: 'A',
      attrs: { x: 'AB' },
      children: [{ name: 'B', attrs: {}, children: [], text: '' }],
      text: '',
    });
  });
});
