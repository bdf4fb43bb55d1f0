import {
  AudioSource,
  dispose,
  LocalAudioTrack,
  type RemoteParticipant,
  Room,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { AccessToken, SipCallError, SipClient } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rmsOf } from '../../agent/audio/pcm.js';
import { eventCode, GAP_MS, TONE_MS } from '../../callers/dtmf-rtp.js';
import { placeSipCall, type SipCallOptions } from '../../callers/sip.js';
import { header, startLine, traceMessages } from '../../callers/sip-trace.js';
import { until } from '../../callers/wait.js';
import type { Service } from '../../stack/service.js';
import { startSip, transferSipCall } from '../../stack/sip.js';
import { ROOT, startTestStack, type TestStack } from '../../stack/test-stack.js';

/**
 * DTMF and transfer on the phone path, at the LiveKit level: real livekit-server, LiveKit SIP and
 * sipp, and a plain rtc-node participant in the room standing in for whoever handles the call (no
 * agent: a direct dispatch rule puts every call in one known room, so the listener is there before
 * the call and no data packet can precede it).
 *   - keys the caller presses (RFC 4733 telephone-events) arrive as DtmfReceived, in order, from
 *     the SIP participant, at the times pressed;
 *   - TransferSIPParticipant sends the caller's side a REFER whose Refer-To is the target, waits
 *     for the NOTIFY that says 200, then LiveKit SIP hangs up; a failed transfer rejects and the
 *     call goes on.
 */
const NUMBER = '+15550100';
const ROOM = 'keypad';
const CALLER_IP = process.env.PARLEY_PEER_IP ?? '10.77.0.2';
let stack: TestStack;
let sip: Service;
let listener: Listener | undefined;

beforeAll(async () => {
  stack = await startTestStack();
  sip = await startSip(ROOT, { wsUrl: stack.url, redisPort: stack.redisPort, ip: process.env.PARLEY_NODE_IP! });
  const client = new SipClient(stack.httpUrl, stack.apiKey, stack.apiSecret);
  const trunk = await client.createSipInboundTrunk('parley-keypad', [NUMBER], { allowedAddresses: [`${CALLER_IP}/32`] });
  await client.createSipDispatchRule({ type: 'direct', roomName: ROOM }, { name: 'parley-keypad', trunkIds: [trunk.sipTrunkId] });
});

afterEach(async () => {
  await listener?.room.disconnect();
  listener = undefined;
});

afterAll(async () => {
  await sip?.stop();
  await stack?.stop();
  await dispose();
});

describe('keys pressed on a phone', () => {
  it('arrive as DtmfReceived from the SIP participant, each once, in order, when pressed', async () => {
    listener = await listen();
    // LiveKit SIP forwards keys to the room only once its participant has joined (earlier ones go
    // to its PIN prompt); it joins before it answers, so presses after the answer all count.
    // "55": one key twice in a row is two presses (its own RTP timestamp each)
    const presses = [
      { digits: '12', atMs: 3000 },
      { digits: '#', atMs: 4500 },
      { digits: '*55', atMs: 5500 },
      { digits: 'D0', atMs: 7000 },
    ];
    const res = await dial({ holdMs: 8500, dtmf: presses });
    expect(res.exitCode, res.messages.slice(-2000)).toBe(0);
    expect(res.responses).toEqual([200]);
    // telephone-event was offered and LiveKit SIP answered with the type offered
    const answer = res.messages.slice(res.messages.indexOf('SIP/2.0 200 OK'));
    expect(answer).toMatch(/a=rtpmap:101 telephone-event\/8000/);

    const got = listener.dtmf;
    // A-D come back lower-case (media-sdk's event table)
    expect(got.map((d) => d.digit).join('')).toBe('12#*55d0');
    expect(got.map((d) => d.code)).toEqual([...'12#*55D0'].map(eventCode));
    const caller = got[0]!.identity;
    expect(caller).toMatch(/^sip_/);
    expect(got.every((d) => d.identity === caller)).toBe(true);
    expect(listener.sipCallIds.get(caller)).toMatch(/^SCL_/);

    // when each arrived, against when it was pressed (relative to the first): no batching, no delay
    const pressedAt = presses.flatMap((p) => [...p.digits].map((_, i) => p.atMs + i * (TONE_MS + GAP_MS)));
    const arrived = got.map((d) => d.at - got[0]!.at);
    const expected = pressedAt.map((t) => t - pressedAt[0]!);
    for (let i = 0; i < arrived.length; i++) expect(Math.abs(arrived[i]! - expected[i]!), `digit ${i}`).toBeLessThan(150);
  });
});

describe('TransferSIPParticipant', () => {
  it('a key asks for a person: the REFER carries the sip: target, the call resolves on NOTIFY 200, LiveKit hangs up', async () => {
    listener = await listen();
    const target = 'sip:human@10.77.0.1';
    let transferred: { startedAt: number; resolvedAt: number } | undefined;
    // what an agent does: on the agreed key, transfer the participant who pressed it
    listener.onDtmf = async (d) => {
      if (d.digit !== '0') return;
      const startedAt = Date.now();
      await transferSipCall(stack, ROOM, d.identity, target, { playDialtone: false });
      transferred = { startedAt, resolvedAt: Date.now() };
    };
    const call = dial({ holdMs: 20_000, dtmf: [{ digits: '0', atMs: 3000 }], acceptRefer: { delayMs: 1500 } });
    const res = await call;
    expect(res.exitCode, res.messages.slice(-3000)).toBe(0);
    expect(res.referTo).toBe(`<${target}>`); // LiveKit's protocol wraps a sip: URI as a name-addr
    // the REFER came inside the call's own dialog
    const msgs = traceMessages(res.messages);
    const refer = msgs.find((m) => m.dir === 'in' && startLine(m).method === 'REFER')!;
    const invite = msgs.find((m) => m.dir === 'out' && startLine(m).method === 'INVITE')!;
    expect(header(refer, 'Call-ID', 'i')).toBe(header(invite, 'Call-ID', 'i'));
    expect(header(refer, 'CSeq')).toMatch(/^\d+ REFER$/);

    await until('the transfer call to resolve', () => transferred, 5000);
    // it waited for the final NOTIFY (sent 1.5 s after the 202), not just for the 202
    expect(transferred!.resolvedAt - transferred!.startedAt).toBeGreaterThanOrEqual(1500);
    // and then LiveKit SIP hung up: its BYE a second after the final NOTIFY (referByeTimeout)
    expect(res.byeFrom).toBe('remote');
    const finalNotify = msgs.filter((m) => m.dir === 'out' && startLine(m).method === 'NOTIFY').at(-1)!;
    expect(finalNotify.text).toMatch(/\r?\n\r?\nSIP\/2\.0 200 OK/);
    const bye = msgs.find((m) => m.dir === 'in' && startLine(m).method === 'BYE')!;
    expect(bye.at - finalNotify.at).toBeGreaterThan(800);
    expect(bye.at - finalNotify.at).toBeLessThan(2500);
    await until('the SIP participant to leave', () => listener!.left.size > 0, 5000);
    // no dial tone asked for: the caller heard nothing loud (the room is silent)
    expect(loudMs(res.heard)).toBeLessThan(100);
  });

  it('a tel: target goes out as it is, and playDialtone rings the caller until the target answers', async () => {
    listener = await listen();
    const target = 'tel:+15550100';
    const call = dial({ holdMs: 20_000, acceptRefer: { delayMs: 2500 } });
    const identity = await callerIn();
    const startedAt = Date.now();
    await transferSipCall(stack, ROOM, identity, target, { playDialtone: true });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2500);
    const res = await call;
    expect(res.exitCode, res.messages.slice(-3000)).toBe(0);
    expect(res.referTo).toBe(target);
    expect(res.byeFrom).toBe('remote');
    // ETSI ringing (425 Hz) while the transfer rang: loud, and at its pitch
    expect(loudMs(res.heard)).toBeGreaterThan(800);
    const hz = pitchOfLoud(res.heard);
    expect(hz).toBeGreaterThan(380);
    expect(hz).toBeLessThan(470);
  });

  it('a failed transfer (NOTIFY 486) rejects, LiveKit keeps the call, the caller hangs up', async () => {
    listener = await listen();
    const call = dial({ holdMs: 20_000, acceptRefer: { status: '486 Busy Here', delayMs: 300, byeWaitMs: 3000 } });
    const identity = await callerIn();
    const err = await transferSipCall(stack, ROOM, identity, 'sip:human@10.77.0.1').then(
      () => null,
      (e: unknown) => e,
    );
    // LiveKit SIP now and then ends its REFER transaction before sipp's 202 reaches it (its log:
    // "inbound call failed to transfer", "transaction failed to complete (0 intermediate
    // responses)", 8 ms after the REFER; 1 run in 6 here, once in CI): the transfer then fails
    // without the NOTIFY's status, an upstream race. What the product relies on, that LiveKit
    // keeps the call and the caller can go on, is asserted below either way.
    const raced = !(err instanceof SipCallError) && /transaction failed to complete/.test(String((err as Error | null)?.message));
    if (raced) console.warn(`the transfer failed on LiveKit SIP's REFER race, not on the NOTIFY: ${(err as Error).message}`);
    else {
      // the NOTIFY's status comes back as the error's SIP status
      expect(err).toBeInstanceOf(SipCallError);
      expect((err as SipCallError).sipStatusCode).toBe(486);
      expect((err as SipCallError).sipStatus).toBe('Busy Here');
    }
    // the call is still up well after the failure: still in the room
    await new Promise((r) => setTimeout(r, 1500));
    expect(listener.left.size).toBe(0);
    expect((await stack.rooms.listParticipants(ROOM)).map((p) => p.identity)).toContain(identity);
    const res = await call;
    expect(res.exitCode, res.messages.slice(-3000)).toBe(0);
    expect(res.referTo).toBe('<sip:human@10.77.0.1>');
    expect(res.byeFrom).toBe('caller');
  });
});

interface Dtmf {
  code: number;
  digit: string;
  identity: string;
  at: number;
}

interface Listener {
  room: Room;
  dtmf: Dtmf[];
  onDtmf?: (d: Dtmf) => Promise<void>;
  sipCallIds: Map<string, string>;
  left: Set<string>;
}

/** A plain participant in the call's room, as an agent would be: publishes audio (so the call is answered), records DtmfReceived and who left. */
async function listen(): Promise<Listener> {
  const room = new Room();
  const l: Listener = { room, dtmf: [], sipCallIds: new Map(), left: new Set() };
  room.on(RoomEvent.DtmfReceived, (code: number, digit: string, p: RemoteParticipant) => {
    const d = { code, digit, identity: p.identity, at: Date.now() };
    l.sipCallIds.set(p.identity, p.attributes['sip.callID'] ?? '');
    l.dtmf.push(d);
    void l.onDtmf?.(d).catch((e) => console.error('transfer failed', e));
  });
  room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => l.left.add(p.identity));
  const at = new AccessToken(stack.apiKey, stack.apiSecret, { identity: `listener-${Date.now()}`, ttl: '10m' });
  at.addGrant({ roomJoin: true, room: ROOM, canSubscribe: true, canPublish: true });
  await room.connect(stack.url, await at.toJwt(), { autoSubscribe: true, dynacast: false });
  // a published audio track is what answers: LiveKit SIP keeps the caller ringing until it has
  // subscribed to someone's audio (pkg/sip/room.go subscribeTo, inbound.go waitSubscribe). Silent.
  const track = LocalAudioTrack.createAudioTrack('agent', new AudioSource(48000, 1));
  const opts = new TrackPublishOptions();
  opts.source = TrackSource.SOURCE_MICROPHONE;
  await room.localParticipant!.publishTrack(track, opts);
  return l;
}

/** The SIP participant's identity once its call is active (a REFER needs an established call). */
async function callerIn(): Promise<string> {
  const p = await until(
    'the SIP participant to be active',
    async () =>
      (await stack.rooms.listParticipants(ROOM)).find((p) => p.attributes['sip.callID'] && p.attributes['sip.callStatus'] === 'active'),
    15_000,
  );
  return p.identity;
}

function dial(o: Partial<SipCallOptions> & { holdMs: number }) {
  return placeSipCall({ target: `${process.env.PARLEY_NODE_IP}:5060`, from: CALLER_IP, number: NUMBER, mediaPort: 16100, ...o });
}

const loudPackets = (pcm8k: Int16Array) => {
  const out: Int16Array[] = [];
  for (let i = 0; i + 160 <= pcm8k.length; i += 160) if (rmsOf(pcm8k.subarray(i, i + 160)) > 500) out.push(pcm8k.subarray(i, i + 160));
  return out;
};
const loudMs = (pcm8k: Int16Array) => loudPackets(pcm8k).length * 20;

/** Zero crossings of the loud packets, as a frequency: a pure tone's pitch. */
function pitchOfLoud(pcm8k: Int16Array): number {
  let crossings = 0;
  let samples = 0;
  for (const p of loudPackets(pcm8k)) {
    for (let i = 1; i < p.length; i++) if (p[i - 1]! < 0 !== p[i]! < 0) crossings++;
    samples += p.length;
  }
  return (crossings / 2 / samples) * 8000;
}
