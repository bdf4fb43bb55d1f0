import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DTMF_PAYLOAD_TYPE, dtmfPackets, eventCode, GAP_MS, rtpPcap, TONE_MS } from './dtmf-rtp.js';

describe('key presses as RFC 4733 telephone-events', () => {
  const packets = dtmfPackets([
    { digits: '55', atMs: 1000 },
    { digits: '#', atMs: 3000 },
  ]);
  const events = packets.filter((p) => p.payloadType === DTMF_PAYLOAD_TYPE);

  it('gives every press its own timestamp, on the 8 kHz clock of its time, even one key twice', () => {
    const stamps = [...new Set(events.map((p) => p.timestamp))];
    expect(stamps.length).toBe(3);
    expect(stamps[1]! - stamps[0]!).toBe((TONE_MS + GAP_MS) * 8);
    expect(stamps[2]! - stamps[0]!).toBe(2000 * 8);
  });

  it('marks the first packet of each event, ends each with three E-bit packets of the full duration', () => {
    for (const ts of new Set(events.map((p) => p.timestamp))) {
      const ev = events.filter((p) => p.timestamp === ts);
      expect(ev.filter((p) => p.marker)).toEqual([ev[0]]);
      const ends = ev.filter((p) => (p.payload[1]! & 0x80) !== 0);
      expect(ends.length).toBe(3);
      expect(ends.every((p) => p.payload.readUInt16BE(2) === TONE_MS * 8)).toBe(true);
      expect(ev.at(-1)!.atMs - ev[0]!.atMs).toBeLessThan(TONE_MS + 5);
    }
    expect(events[0]!.atMs).toBe(1000);
    expect(events.map((p) => p.seq)).toEqual(events.map((_, i) => events[0]!.seq + i));
  });

  it('refuses what is not a key, and presses that overlap', () => {
    expect(() => eventCode('x')).toThrow(/not a DTMF digit/);
    expect(() =>
      dtmfPackets([
        { digits: '123', atMs: 0 },
        { digits: '4', atMs: 300 },
      ]),
    ).toThrow(/overlaps/);
    expect(eventCode('#')).toBe(11);
    expect(eventCode('d')).toBe(15);
  });

  it('writes a pcap tshark reads back as those events, at those times', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-dtmf-'));
    try {
      const file = join(dir, 'dtmf.pcap');
      writeFileSync(file, rtpPcap(packets));
      const r = spawnSync(
        'tshark',
        [
          '-r',
          file,
          '-d',
          'udp.port==2,rtp',
          '-T',
          'fields',
          '-e',
          'frame.time_relative',
          '-e',
          'rtp.p_type',
          '-e',
          'rtp.timestamp',
          '-e',
          'rtp.marker',
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const rows = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      expect(rows.length).toBe(packets.length);
      rows.forEach(([t, pt, ts, marker], i) => {
        const p = packets[i]!;
        expect(Math.round(Number(t) * 1000)).toBe(Math.round(p.atMs));
        expect(Number(pt)).toBe(p.payloadType);
        expect(Number(ts)).toBe(p.timestamp);
        expect(marker === '1' || marker === 'True').toBe(p.marker);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
