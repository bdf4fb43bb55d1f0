import { describe, expect, it } from 'vitest';
import { byeFrom, header, inviteResponses, receivedReferTo, startLine, traceMessages } from './sip-trace.js';

// trimmed from a real -trace_msg file of transfer-caller.xml against LiveKit SIP 1.8.0
const TRACE = [
  '----------------------------------------------- 2026-12-01 18:10:29.703587',
  'UDP message sent (629 bytes):',
  '',
  'INVITE sip:+15550100@10.77.0.1:5060 SIP/2.0',
  'Call-ID: 1-10151@10.77.0.2',
  'CSeq: 1 INVITE',
  '',
  'v=0',
  '',
  '----------------------------------------------- 2026-12-01 18:10:29.707211',
  'UDP message received [356] bytes :',
  '',
  'SIP/2.0 180 Ringing',
  'CSeq: 1 INVITE',
  '',
  '----------------------------------------------- 2026-12-01 18:10:29.733828',
  'UDP message received [556] bytes :',
  '',
  'SIP/2.0 200 OK',
  'CSeq: 1 INVITE',
  '',
  '----------------------------------------------- 2026-12-01 18:10:30.779183',
  'UDP message received [479] bytes :',
  '',
  'REFER sip:+15550123@10.77.0.2:5070 SIP/2.0',
  'Refer-To: tel:+15550100',
  'CSeq: 2 REFER',
  '',
  '----------------------------------------------- 2026-12-01 18:10:30.779374',
  'UDP message sent (327 bytes):',
  '',
  'SIP/2.0 202 Accepted',
  'CSeq: 2 REFER',
  '',
  '----------------------------------------------- 2026-12-01 18:10:34.284765',
  'UDP message received [322] bytes :',
  '',
  'BYE sip:+15550123@10.77.0.2:5070 SIP/2.0',
  'CSeq: 3 BYE',
  '',
].join('\n');

describe("sipp's message trace", () => {
  const msgs = traceMessages(TRACE);

  it('splits into messages with direction and time', () => {
    expect(msgs.map((m) => m.dir)).toEqual(['out', 'in', 'in', 'in', 'out', 'in']);
    expect(msgs.map((m) => startLine(m).method ?? startLine(m).status)).toEqual(['INVITE', 180, 200, 'REFER', 202, 'BYE']);
    expect(msgs[5]!.at - msgs[3]!.at).toBe(3505);
    expect(header(msgs[0]!, 'call-id')).toBe('1-10151@10.77.0.2');
  });

  it('reads the REFER target verbatim, who hung up, and the INVITE final responses only', () => {
    expect(receivedReferTo(msgs)).toBe('tel:+15550100');
    expect(byeFrom(msgs)).toBe('remote');
    expect(inviteResponses(msgs)).toEqual([200]);
    expect(receivedReferTo(msgs.filter((m) => startLine(m).method !== 'REFER'))).toBeNull();
    expect(byeFrom(msgs.slice(0, 5))).toBeNull();
  });
});
