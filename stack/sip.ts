import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SipClient, type TransferSipParticipantOptions } from 'livekit-server-sdk';
import { startService, type Service } from './service.js';

export interface SipServiceOptions {
  /** livekit-server's URL (ws://...). */
  wsUrl: string;
  redisPort: number;
  /** Address to listen on and to announce in SDP (the namespace's veth address in isolated mode). */
  ip: string;
  sipPort?: number;
}

/** Starts livekit-sip with sip/livekit-sip.yaml, overridden for this stack. Ready when its health port answers. */
export async function startSip(root: string, o: SipServiceOptions): Promise<Service & { sipPort: number }> {
  const sipPort = o.sipPort ?? 5060;
  const base = readFileSync(join(root, 'sip', 'livekit-sip.yaml'), 'utf8');
  const healthPort = Number(/health_port:\s*(\d+)/.exec(base)?.[1] ?? 8082);
  // later keys override earlier ones in the YAML the service reads
  const body = [
    base
      .replace(/^ws_url:.*$/m, `ws_url: ${o.wsUrl}`)
      .replace(/^redis:\n(\s+address:.*\n)/m, `redis:\n  address: 127.0.0.1:${o.redisPort}\n`)
      .replace(/^sip_port:.*$/m, `sip_port: ${sipPort}`),
    `listen_ip: ${o.ip}`,
    `nat_1_to_1_ip: ${o.ip}`,
    `media_nat_1_to_1_ip: ${o.ip}`,
  ].join('\n');
  const svc = await startService('livekit-sip', 'livekit-sip', [], {
    env: { ...process.env, SIP_CONFIG_BODY: body },
    probe: async () => (await fetch(`http://127.0.0.1:${healthPort}/`)).status < 500,
    readyTimeoutMs: 30_000,
  });
  return { ...svc, sipPort };
}

/** What a SipClient needs of a stack (a TestStack is one). */
export interface SipApi {
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
}

/**
 * TransferSIPParticipant with the stack's credentials: LiveKit SIP sends a REFER to the caller's
 * side (Refer-To `<sip:…>` for a sip: target, the bare URI for tel:) and this resolves once the
 * far end's NOTIFY reports `SIP/2.0 200`; a failure status, or no final NOTIFY within the ringing
 * timeout, rejects. LiveKit SIP then hangs the call up itself (BYE about 1 s later) unless the
 * caller already has. `playDialtone` plays ringing to the caller meanwhile, instead of the room.
 */
export async function transferSipCall(
  api: SipApi,
  room: string,
  identity: string,
  transferTo: string,
  opts: TransferSipParticipantOptions = {},
): Promise<void> {
  await new SipClient(api.httpUrl, api.apiKey, api.apiSecret).transferSipParticipant(room, identity, transferTo, opts);
}
