import { describe, expect, it } from 'vitest';
import { checkAgentMessage } from './messages.js';

const SID = 'MZ0123456789abcdef0123456789abcdef';
const ok = (m: unknown) => checkAgentMessage(JSON.stringify(m), SID);

describe('checkAgentMessage', () => {
  it('accepts the three documented messages and decodes the media payload', () => {
    const payload = Buffer.from([0xff, 0x7f, 0x00]).toString('base64');
    expect(ok({ event: 'media', streamSid: SID, media: { payload } })).toEqual({
      ok: true,
      message: { event: 'media', streamSid: SID, ulaw: Buffer.from([0xff, 0x7f, 0x00]) },
    });
    expect(ok({ event: 'mark', streamSid: SID, mark: { name: 'r1:40' } })).toEqual({
      ok: true,
      message: { event: 'mark', streamSid: SID, name: 'r1:40' },
    });
    expect(ok({ event: 'clear', streamSid: SID })).toEqual({ ok: true, message: { event: 'clear', streamSid: SID } });
  });

  it.each([
    ['not JSON', 'media', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['an unknown event', JSON.stringify({ event: 'stop', streamSid: SID }), /unknown event "stop"/],
    ['a wrong streamSid', JSON.stringify({ event: 'clear', streamSid: 'MZ00' }), /not this stream's/],
    ['no streamSid', JSON.stringify({ event: 'clear' }), /not this stream's/],
    ['an unexpected field', JSON.stringify({ event: 'clear', streamSid: SID, sequenceNumber: '3' }), /unexpected fields: sequenceNumber/],
    ['a mark without a name', JSON.stringify({ event: 'mark', streamSid: SID, mark: {} }), /mark.name/],
    ['media without payload', JSON.stringify({ event: 'media', streamSid: SID, media: {} }), /media.payload/],
    ['an empty payload', JSON.stringify({ event: 'media', streamSid: SID, media: { payload: '' } }), /not base64/],
    ['a payload that is not base64', JSON.stringify({ event: 'media', streamSid: SID, media: { payload: 'ab$d' } }), /not base64/],
    ['a payload with bad padding', JSON.stringify({ event: 'media', streamSid: SID, media: { payload: 'abc' } }), /not base64/],
    [
      'a track field on outbound media',
      JSON.stringify({ event: 'media', streamSid: SID, media: { payload: '/w==', track: 'outbound' } }),
      /unexpected fields: track/,
    ],
  ])('refuses %s', (_what, text, violation) => {
    const r = checkAgentMessage(text, SID);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.violation).toMatch(violation);
  });
});
