/**
 * Keypad presses as a phone sends them: RFC 4733 telephone-events in RTP, written as a pcap file
 * that sipp replays (`<exec play_pcap_audio>`) from the caller's media port at the packets' times.
 *
 * Why not sipp's own `<exec play_dtmf>` (present in 3.6.1): every play_dtmf action restarts its
 * RTP timestamps at the same value (24400, src/prepare_pcap.c), and LiveKit SIP drops a DTMF packet
 * whose timestamp equals the previous one's (pkg/sip/media_port.go dtmfHandler: RFC 4733 gives all
 * packets of one event one timestamp). So the first digit of every play_dtmf after the first is
 * silently lost. Here each press gets its own timestamp on one 8 kHz clock, as a real phone does.
 */

/** Digits pressed back to back, starting `atMs` after the call is answered. */
export interface DtmfPress {
  /** 0-9, *, #, A-D. */
  digits: string;
  atMs: number;
}

/** The payload type the callers offer for telephone-event/8000 (LiveKit SIP answers with the offered one). */
export const DTMF_PAYLOAD_TYPE = 101;
/** How long each key is held, and the pause after it before the next digit of the same press. */
export const TONE_MS = 160;
export const GAP_MS = 100;

const EVENT_CODES = '0123456789*#ABCD';
const PACKET_MS = 20;
const SSRC = 0x5041524c; // "PARL"
const BASE_TS = 160_000;

export function eventCode(digit: string): number {
  const code = EVENT_CODES.indexOf(digit.toUpperCase());
  if (code < 0 || digit.length !== 1) throw new Error(`not a DTMF digit: "${digit}"`);
  return code;
}

/** One RTP packet to send `atMs` after the pcap starts playing. */
export interface RtpPacket {
  atMs: number;
  payloadType: number;
  marker: boolean;
  seq: number;
  timestamp: number;
  payload: Buffer;
}

/**
 * The packets for a list of presses. Each digit: a packet every 20 ms while the key is down (same
 * timestamp, growing duration, marker on the first), then the end packet three times (E bit,
 * final duration), as RFC 4733 §2.5.1 asks. Packet 0 is a comfort-noise packet (PT 13, not
 * negotiated, ignored by LiveKit) at time 0: sipp sends a pcap's first packet the moment the
 * action runs and times the rest relative to it.
 */
export function dtmfPackets(presses: DtmfPress[], payloadType = DTMF_PAYLOAD_TYPE): RtpPacket[] {
  const out: RtpPacket[] = [];
  let seq = 1000;
  out.push({ atMs: 0, payloadType: 13, marker: false, seq: seq++, timestamp: BASE_TS, payload: Buffer.from([127]) });
  let lastEnd = 0;
  for (const press of [...presses].sort((a, b) => a.atMs - b.atMs)) {
    if (press.atMs < lastEnd) throw new Error(`press at ${press.atMs} ms overlaps the one before (until ${lastEnd} ms)`);
    let t = press.atMs;
    for (const digit of press.digits) {
      const code = eventCode(digit);
      const timestamp = BASE_TS + Math.round(t * 8);
      const toneSamples = TONE_MS * 8;
      for (let d = 0; d < TONE_MS; d += PACKET_MS) {
        const dur = Math.min((d + PACKET_MS) * 8, toneSamples);
        out.push({ atMs: t + d, payloadType, marker: d === 0, seq: seq++, timestamp, payload: eventPayload(code, false, dur) });
      }
      for (let i = 0; i < 3; i++) {
        out.push({
          atMs: t + TONE_MS + i,
          payloadType,
          marker: false,
          seq: seq++,
          timestamp,
          payload: eventPayload(code, true, toneSamples),
        });
      }
      t += TONE_MS + GAP_MS;
    }
    lastEnd = t;
  }
  return out;
}

/** RFC 4733 §2.3: event, E bit + volume (10 dBm0 below), duration in timestamp units. */
function eventPayload(code: number, end: boolean, duration: number): Buffer {
  const b = Buffer.alloc(4);
  b[0] = code;
  b[1] = (end ? 0x80 : 0) | 10;
  b.writeUInt16BE(duration & 0xffff, 2);
  return b;
}

/**
 * A libpcap file (Ethernet link type) of the packets as UDP from port 1 to port 2: sipp keeps only
 * the UDP payload and the times, and rewrites the ports and addresses to the call's media ones.
 */
export function rtpPcap(packets: RtpPacket[]): Buffer {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(global);
  for (const p of packets) {
    const rtp = Buffer.alloc(12);
    rtp[0] = 0x80;
    rtp[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
    rtp.writeUInt16BE(p.seq & 0xffff, 2);
    rtp.writeUInt32BE(p.timestamp >>> 0, 4);
    rtp.writeUInt32BE(SSRC, 8);
    const udpLen = 8 + rtp.length + p.payload.length;
    const frame = Buffer.alloc(14 + 20 + udpLen);
    frame.writeUInt16BE(0x0800, 12); // IPv4
    const ip = frame.subarray(14, 34);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udpLen, 2);
    ip[8] = 64;
    ip[9] = 17; // UDP
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 1], 16);
    ip.writeUInt16BE(ipChecksum(ip), 10);
    const udp = frame.subarray(34);
    udp.writeUInt16BE(1, 0);
    udp.writeUInt16BE(2, 2);
    udp.writeUInt16BE(udpLen, 4);
    rtp.copy(udp, 8);
    p.payload.copy(udp, 20);
    const rec = Buffer.alloc(16);
    // never a time of exactly 0: sipp's pacing (send_packets.c do_sleep) takes a zero "last packet
    // time" for "first packet" and would send the one after it at once, not at its time
    const us = Math.round(p.atMs * 1000) + 1000;
    rec.writeUInt32LE(Math.floor(us / 1e6), 0);
    rec.writeUInt32LE(us % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  }
  return Buffer.concat(parts);
}

function ipChecksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
