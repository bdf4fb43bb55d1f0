import { describe, expect, it } from 'vitest';
import { OutboundMessages, parseInbound, TwilioProtocolError } from './protocol.js';

const SID = 'MZ18ad3ab5a668481ce02b83e7395059f0';

// the documented examples (websocket-messages page), field for field
const connected = { event: 'connected', protocol: 'Call', version: '1.0.0' };
const start = {
  event: 'start',
  sequenceNumber: '1',
  start: {
    accountSid: 'AC123',
    streamSid: SID,
    callSid: 'CA123',
    tracks: ['inbound'],
    customParameters: { FirstName: 'Jane', LastName: 'Doe', RemoteParty: 'Bob' },
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
  },
  streamSid: SID,
};
const media = {
  event: 'media',
  sequenceNumber: '3',
  media: { track: 'inbound', chunk: '1', timestamp: '5', payload: 'no+JhoaJjpzeHiA=' },
  streamSid: SID,
};
const dtmf = { event: 'dtmf', streamSid: SID, sequenceNumber: '5', dtmf: { track: 'inbound_track', digit: '1' } };
const mark = { event: 'mark', sequenceNumber: '4', streamSid: SID, mark: { name: 'my label' } };
const stop = { event: 'stop', sequenceNumber: '5', stop: { accountSid: 'AC123', callSid: 'CA123' }, streamSid: SID };

/** A copy of `msg` with the value at `path` replaced (undefined: removed). */
function edit(msg: object, path: string, value: unknown): string {
  const copy = structuredClone(msg) as Record<string, unknown>;
  const keys = path.split('.');
  let o = copy;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return JSON.stringify(copy);
}

function failure(text: string): TwilioProtocolError {
  try {
    parseInbound(text);
  } catch (e) {
    expect(e).toBeInstanceOf(TwilioProtocolError);
    return e as TwilioProtocolError;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseInbound: the documented messages', () => {
  it('reads each of them as documented', () => {
    expect(parseInbound(JSON.stringify(connected))).toEqual(connected);
    expect(parseInbound(JSON.stringify(start))).toEqual(start);
    expect(parseInbound(JSON.stringify(media))).toEqual(media);
    expect(parseInbound(JSON.stringify(dtmf))).toEqual(dtmf);
    expect(parseInbound(JSON.stringify(mark))).toEqual(mark);
    expect(parseInbound(JSON.stringify(stop))).toEqual(stop);
  });

  it('keeps only the documented fields, and an absent customParameters is empty', () => {
    const extra = parseInbound(edit(start, 'start.from', '+15550100'));
    expect(extra).toEqual(start);
    const bare = parseInbound(edit(start, 'start.customParameters', undefined));
    expect(bare.event === 'start' && bare.start.customParameters).toEqual({});
  });

  it('takes an empty payload and any whole number of bytes', () => {
    expect(parseInbound(edit(media, 'media.payload', ''))).toMatchObject({ media: { payload: '' } });
    expect(parseInbound(edit(media, 'media.payload', Buffer.alloc(37, 0xff).toString('base64')))).toMatchObject({ event: 'media' });
  });
});

describe('parseInbound: what it refuses, and says so', () => {
  const cases: [string, string, RegExp, string][] = [
    ['not JSON', '{"event":', /not JSON/, ''],
    ['an array', '[1]', /must be a JSON object, got an array/, ''],
    ['no event', JSON.stringify({ streamSid: SID }), /event is missing/, 'event'],
    ['an unknown event', edit(mark, 'event', 'marks'), /unknown event "marks"/, 'event'],
    [
      'a mu-law format other than 8 kHz',
      edit(start, 'start.mediaFormat.sampleRate', 16000),
      /start\.mediaFormat\.sampleRate is number 16000, expected 8000/,
      'start.mediaFormat.sampleRate',
    ],
    [
      'another encoding',
      edit(start, 'start.mediaFormat.encoding', 'audio/x-alaw'),
      /encoding is the string "audio\/x-alaw", expected "audio\/x-mulaw"/,
      'start.mediaFormat.encoding',
    ],
    ['stereo', edit(start, 'start.mediaFormat.channels', 2), /channels is number 2, expected 1/, 'start.mediaFormat.channels'],
    [
      'the rate as a string',
      edit(start, 'start.mediaFormat.sampleRate', '8000'),
      /sampleRate is the string "8000", expected 8000/,
      'start.mediaFormat.sampleRate',
    ],
    ['no mediaFormat', edit(start, 'start.mediaFormat', undefined), /start\.mediaFormat is missing/, 'start.mediaFormat'],
    ['no callSid', edit(start, 'start.callSid', undefined), /start\.callSid is missing/, 'start.callSid'],
    ['two streamSids', edit(start, 'start.streamSid', 'MZother'), /start\.streamSid "MZother" differs from streamSid/, 'start.streamSid'],
    ['tracks not an array', edit(start, 'start.tracks', 'inbound'), /start\.tracks must be a non-empty array/, 'start.tracks'],
    [
      'an unknown track',
      edit(start, 'start.tracks', ['inbound', 'both']),
      /start\.tracks\[1\] must be "inbound" or "outbound"/,
      'start.tracks[1]',
    ],
    [
      'a non-string parameter',
      edit(start, 'start.customParameters', { n: 1 }),
      /start\.customParameters\.n must be a string, got number 1/,
      'start.customParameters.n',
    ],
    [
      'a number where Twilio writes a string',
      edit(media, 'media.timestamp', 160),
      /media\.timestamp must be a string, got number 160/,
      'media.timestamp',
    ],
    ['a counter that is not a number', edit(media, 'media.chunk', '1a'), /media\.chunk must be a decimal integer string/, 'media.chunk'],
    ['a negative timestamp', edit(media, 'media.timestamp', '-20'), /media\.timestamp must be a decimal integer string/, 'media.timestamp'],
    ['a payload that is not base64', edit(media, 'media.payload', 'not base64!'), /media\.payload is not base64/, 'media.payload'],
    ['no track', edit(media, 'media.track', undefined), /media\.track is missing/, 'media.track'],
    ['media without streamSid', edit(media, 'streamSid', undefined), /streamSid is missing/, 'streamSid'],
    ['an empty streamSid', edit(media, 'streamSid', ''), /streamSid must not be empty/, 'streamSid'],
    ['no sequenceNumber', edit(mark, 'sequenceNumber', undefined), /sequenceNumber is missing/, 'sequenceNumber'],
    ['a mark without a name', edit(mark, 'mark', {}), /mark\.name is missing/, 'mark.name'],
    ['a mark as a string', edit(mark, 'mark', 'my label'), /mark must be an object, got the string/, 'mark'],
    ['two digits at once', edit(dtmf, 'dtmf.digit', '12'), /dtmf\.digit must be one of/, 'dtmf.digit'],
    [
      'another dtmf track',
      edit(dtmf, 'dtmf.track', 'inbound'),
      /dtmf\.track is the string "inbound", expected "inbound_track"/,
      'dtmf.track',
    ],
    ['stop without callSid', edit(stop, 'stop.callSid', undefined), /stop\.callSid is missing/, 'stop.callSid'],
    ['connected without version', edit(connected, 'version', undefined), /version is missing/, 'version'],
  ];
  for (const [what, text, message, path] of cases) {
    it(`refuses ${what}`, () => {
      const e = failure(text);
      expect(e.message).toMatch(message);
      expect(e.message.startsWith('twilio media stream: ')).toBe(true);
      expect(e.path).toBe(path);
    });
  }
});

describe('OutboundMessages', () => {
  const out = new OutboundMessages(SID);

  it('builds media, mark and clear exactly as documented', () => {
    const payload = Buffer.alloc(160, 0xff).toString('base64');
    expect(JSON.parse(out.media(payload))).toStrictEqual({ event: 'media', streamSid: SID, media: { payload } });
    expect(JSON.parse(out.mark('f1'))).toStrictEqual({ event: 'mark', streamSid: SID, mark: { name: 'f1' } });
    expect(JSON.parse(out.clear())).toStrictEqual({ event: 'clear', streamSid: SID });
  });

  it('escapes what JSON must escape in names and sids', () => {
    const odd = new OutboundMessages('MZ"\\x');
    expect(JSON.parse(odd.mark('a"b\n'))).toStrictEqual({ event: 'mark', streamSid: 'MZ"\\x', mark: { name: 'a"b\n' } });
    expect(() => new OutboundMessages('')).toThrow(TwilioProtocolError);
  });
});
