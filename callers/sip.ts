import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulawDecode } from '../agent/audio/g711.js';
import { concatPcm } from '../agent/audio/pcm.js';
import type { HeardChunk } from './webrtc.js';
import { ROOT } from '../stack/test-stack.js';

export interface SipCallOptions {
  /** livekit-sip's address:port. */
  target: string;
  /** The caller's own address (must differ from the target's for the allowed-address check). */
  from: string;
  /** The number dialled. */
  number: string;
  /** μ-law 8 kHz WAV the caller plays. */
  utterance: string;
  /** How long the caller stays on after starting to speak, before BYE. */
  holdMs: number;
  auth?: { username: string; password: string };
  mediaPort?: number;
  /** Give up (kill sipp) after this long; default holdMs + 45 s. */
  maxCallMs?: number;
}

export interface SipCallResult {
  /** sipp's exit code: 0 when the scenario (INVITE … BYE) completed. */
  exitCode: number;
  /** Final responses seen to our INVITEs (e.g. [200], or [401, 403]). */
  responses: number[];
  /** What the caller heard: the RTP sent to its media port, decoded to 8 kHz PCM16, in arrival order. */
  heard: Int16Array;
  /** The packets heard, each with its arrival time (epoch ms). */
  heardPackets: HeardChunk[];
  /** When (epoch ms) each RTP packet the caller sent went on the wire, in order: the utterance's clock. */
  sentTimes: number[];
  messages: string;
}

/**
 * Places one call with sipp (a real SIP user agent) and records what the caller heard by
 * capturing the RTP to its media port with tshark, then decoding the G.711 payload. Runs inside
 * the test namespace; all traffic stays on its addresses.
 */
export async function placeSipCall(o: SipCallOptions): Promise<SipCallResult> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-sip-'));
  const pcap = join(dir, 'heard.pcap');
  const mediaPort = o.mediaPort ?? 16000;
  const [host] = o.from.split(':');
  // local traffic between the namespace's own addresses goes over lo
  // both directions of the caller's RTP: what it heard, and when what it said was sent
  const cap = spawn('tshark', ['-i', 'lo', '-f', `udp and host ${host} and port ${mediaPort}`, '-w', pcap, '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => reject(new Error(`tshark did not start: ${err}`)), 15_000);
    cap.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('Capturing on')) {
        clearTimeout(t);
        resolve();
      }
    });
    cap.on('exit', (c) => reject(new Error(`tshark exited ${c}: ${err}`)));
  });

  // sipp does not expand -key values inside rtp_stream, so the scenario is filled in per call
  const scenario = join(dir, 'caller.xml');
  writeFileSync(
    scenario,
    readFileSync(join(ROOT, 'sip', 'scenarios', 'caller.xml'), 'utf8')
      .replaceAll('@UTTERANCE@', o.utterance)
      .replaceAll('@HOLD_MS@', String(Math.round(o.holdMs))),
  );
  const msgFile = join(dir, 'messages.log');
  const args = [
    o.target,
    '-sf',
    scenario,
    '-s',
    o.number,
    '-i',
    host!,
    '-mi',
    host!,
    '-mp',
    String(mediaPort),
    '-p',
    '5070',
    '-m',
    '1',
    '-trace_msg',
    '-message_file',
    msgFile,
    '-timeout',
    `${Math.ceil(o.holdMs / 1000) + 30}s`,
    '-nostdin',
  ];
  if (o.auth) args.push('-au', o.auth.username, '-ap', o.auth.password);
  const exitCode = await new Promise<number>((resolve) => {
    const p = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] });
    // sipp's own -timeout does not cover every wait (a call left ringing): bound it here too
    const kill = setTimeout(() => p.kill('SIGKILL'), o.maxCallMs ?? o.holdMs + 45_000);
    p.on('exit', (c) => {
      clearTimeout(kill);
      resolve(c ?? -1);
    });
  });

  await new Promise((r) => setTimeout(r, 300)); // let the last packets land in the capture
  cap.kill('SIGINT');
  await new Promise((r) => cap.once('exit', r));

  const fields = await output('tshark', [
    '-r',
    pcap,
    '-d',
    `udp.port==${mediaPort},rtp`,
    '-T',
    'fields',
    '-e',
    'frame.time_epoch',
    '-e',
    'udp.dstport',
    '-e',
    'rtp.payload',
  ]);
  const heardPackets: HeardChunk[] = [];
  const sentTimes: number[] = [];
  for (const line of fields.split('\n')) {
    const [t, dstPort, hex] = line.trim().split('\t');
    if (!hex) continue;
    if (Number(dstPort) !== mediaPort) {
      sentTimes.push(Number(t) * 1000);
      continue;
    }
    const bytes = Buffer.from(hex.replace(/:/g, ''), 'hex');
    const pcm = new Int16Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) pcm[i] = ulawDecode(bytes[i]!);
    heardPackets.push({ at: Number(t) * 1000, samples: pcm });
  }
  const heard = concatPcm(heardPackets.map((p) => p.samples));
  let messages = '';
  try {
    messages = readFileSync(msgFile, 'utf8');
  } catch {
    /* sipp wrote none */
  }
  rmSync(dir, { recursive: true, force: true }); // everything is read: no capture left behind per call
  const responses = [...messages.matchAll(/^SIP\/2\.0 (\d{3}) .*$/gm)].map((m) => Number(m[1])).filter((c) => c >= 200);
  return { exitCode, responses, heard, heardPackets, sentTimes, messages };
}

function output(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${c}`))));
  });
}
