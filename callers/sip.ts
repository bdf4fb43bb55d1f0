import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulawDecode } from '../agent/audio/g711.js';
import { concatPcm } from '../agent/audio/pcm.js';
import type { HeardChunk } from './webrtc.js';
import { ROOT } from '../stack/test-stack.js';
import { type DtmfPress, dtmfPackets, rtpPcap } from './dtmf-rtp.js';
import { byeFrom, inviteResponses, receivedReferTo, traceMessages } from './sip-trace.js';

export type { DtmfPress } from './dtmf-rtp.js';

/** How the caller answers a REFER (LiveKit's TransferSIPParticipant). */
export interface ReferReply {
  /** The final NOTIFY's sipfrag after "SIP/2.0 ": "200 OK" completes the transfer, e.g. "486 Busy Here" fails it. */
  status?: string;
  /** Between the "100 Trying" NOTIFY and the final one (the transfer target ringing); default 300. */
  delayMs?: number;
  /** How long the caller waits for the far end's BYE after the final NOTIFY before hanging up itself; default 4000. */
  byeWaitMs?: number;
}

export interface SipCallOptions {
  /** livekit-sip's address:port. */
  target: string;
  /** The caller's own address (must differ from the target's for the allowed-address check). */
  from: string;
  /** The number dialled. */
  number: string;
  /** μ-law 8 kHz WAV the caller plays (needed unless dtmf or acceptRefer is given). */
  utterance?: string;
  /**
   * How long the caller stays on after the answer, before BYE. With acceptRefer: how long it waits
   * for a REFER before hanging up.
   */
  holdMs: number;
  /** Not with dtmf or acceptRefer (their scenarios have no digest branch: allow the caller's address). */
  auth?: { username: string; password: string };
  /** Keys pressed after the answer, as RFC 4733 telephone-events (payload type 101, offered in the SDP). */
  dtmf?: DtmfPress[];
  /** Accept a REFER (202, NOTIFY 100 then the final sipfrag); true: the defaults of ReferReply (200 OK). */
  acceptRefer?: boolean | ReferReply;
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
  /** The Refer-To header of the REFER the caller received, exactly as sent; null if none came. */
  referTo: string | null;
  /** Who sent the BYE: the caller (sipp hung up) or the remote side (LiveKit SIP); null if no BYE. */
  byeFrom: 'caller' | 'remote' | null;
  /** sipp's message trace: every SIP message sent and received, verbatim. */
  messages: string;
}

/**
 * Places one call with sipp (a real SIP user agent) and records what the caller heard by
 * capturing the RTP to its media port with tshark, then decoding the G.711 payload. Runs inside
 * the test namespace; all traffic stays on its addresses.
 */
export async function placeSipCall(o: SipCallOptions): Promise<SipCallResult> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-sip-'));
  // sipp does not expand -key values inside rtp_stream, so the scenario is filled in per call
  // (first: a bad combination of options throws before anything is started)
  const scenario = join(dir, 'caller.xml');
  try {
    writeFileSync(scenario, fillScenario(o, dir));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
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
    // the scenarios' <log> lines (transfer-caller.xml logs the Refer-To it received)
    '-trace_logs',
    '-log_file',
    join(dir, 'log.log'),
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
    'rtp.p_type',
    '-e',
    'rtp.payload',
  ]);
  const heardPackets: HeardChunk[] = [];
  const sentTimes: number[] = [];
  for (const line of fields.split('\n')) {
    const [t, dstPort, payloadType, hex] = line.trim().split('\t');
    // PCMU only: key presses (telephone-event, either way) are neither speech heard nor the utterance's clock
    if (!hex || payloadType !== '0') continue;
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
  const traced = traceMessages(messages);
  return {
    exitCode,
    responses: inviteResponses(traced),
    heard,
    heardPackets,
    sentTimes,
    referTo: receivedReferTo(traced),
    byeFrom: byeFrom(traced),
    messages,
  };
}

/**
 * The scenario for this call: caller.xml (speaks, digest auth possible), or with keys or a
 * transfer, dtmf-caller.xml / transfer-caller.xml with the media to start on answer put in.
 */
function fillScenario(o: SipCallOptions, dir: string): string {
  const hold = String(Math.round(o.holdMs));
  if (!o.dtmf && !o.acceptRefer) {
    if (!o.utterance) throw new Error('a call without keys or a transfer needs an utterance');
    return readFileSync(join(ROOT, 'sip', 'scenarios', 'caller.xml'), 'utf8')
      .replaceAll('@UTTERANCE@', o.utterance)
      .replaceAll('@HOLD_MS@', hold);
  }
  if (o.auth) throw new Error('the keypad and transfer scenarios have no digest-auth branch: allow the caller address');
  const media: string[] = [];
  if (o.utterance) media.push(`<exec rtp_stream="${o.utterance},1,0"/>`);
  if (o.dtmf?.length) {
    const pcap = join(dir, 'dtmf.pcap');
    writeFileSync(pcap, rtpPcap(dtmfPackets(o.dtmf)));
    media.push(`<exec play_pcap_audio="${pcap}"/>`);
  }
  const block = media.length ? `<nop><action>${media.join('')}</action></nop>` : '';
  const name = o.acceptRefer ? 'transfer-caller.xml' : 'dtmf-caller.xml';
  const reply: ReferReply = typeof o.acceptRefer === 'object' ? o.acceptRefer : {};
  return readFileSync(join(ROOT, 'sip', 'scenarios', name), 'utf8')
    .replaceAll('@MEDIA@', block)
    .replaceAll('@HOLD_MS@', hold)
    .replaceAll('@NOTIFY_STATUS@', reply.status ?? '200 OK')
    .replaceAll('@NOTIFY_DELAY_MS@', String(Math.round(reply.delayMs ?? 300)))
    .replaceAll('@BYE_WAIT_MS@', String(Math.round(reply.byeWaitMs ?? 4000)));
}

function output(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${c}`))));
  });
}
