import { readFileSync } from 'node:fs';
import { dispose } from '@livekit/rtc-node';
import { SipClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmsOf } from '../../agent/audio/pcm.js';
import { placeSipCall } from '../../callers/sip.js';
import { startLine, traceMessages } from '../../callers/sip-trace.js';
import { type RealtimeStandin, startRealtimeStandin } from '../../openai-standin/server.js';
import type { Service } from '../../stack/service.js';
import { startSip } from '../../stack/sip.js';
import { provisionSip } from '../../sip/provision.js';
import { ROOT, startTestStack, startTestWorker, type TestStack } from '../../stack/test-stack.js';

/**
 * Keys and transfer with the agent on the phone path: sipp calls through LiveKit SIP, presses keys
 * (RFC 4733), the agent hears them as the caller's line in the conversation; the person key asks
 * for a person, the agent says so and transfers with a REFER to PARLEY_TRANSFER_TO.
 * (sip-dtmf-transfer.test.ts checks the same plumbing at the LiveKit level, without the agent.)
 */
const NUMBER = '+15550100';
const CALLER_IP = process.env.PARLEY_PEER_IP ?? '10.77.0.2';
const TARGET = 'sip:desk@10.77.0.1';
let stack: TestStack;
let sip: Service & { sipPort: number };
let peer: RealtimeStandin;
let worker: Service;

beforeAll(async () => {
  const ip = process.env.PARLEY_NODE_IP!;
  stack = await startTestStack();
  sip = await startSip(ROOT, { wsUrl: stack.url, redisPort: stack.redisPort, ip });
  peer = await startRealtimeStandin({ host: '127.0.0.1', port: 0 });
  worker = await startTestWorker(stack, `${peer.url}/v1`, {
    PARLEY_IDLE_NUDGE_MS: '0',
    PARLEY_IDLE_GOODBYE_MS: '0',
    PARLEY_TRANSFER_TO: TARGET,
    PARLEY_DTMF_GAP_MS: '600',
  });
  await provisionSip(new SipClient(stack.httpUrl, stack.apiKey, stack.apiSecret), {
    trunkName: 'parley-keys',
    numbers: [NUMBER],
    allowedAddresses: [`${CALLER_IP}/32`],
    ruleName: 'parley-keys',
    roomPrefix: 'keys-',
    agentName: 'parley',
  });
});

afterAll(async () => {
  await worker?.stop();
  await peer?.close();
  await sip?.stop();
  await stack?.stop();
  await dispose();
});

/** LiveKit SIP's log lines that match, the last dozen, cut to a readable width. */
function sipLogOn(re: RegExp): string {
  const lines = readFileSync(sip.logFile, 'utf8')
    .split('\n')
    .filter((l) => re.test(l));
  return lines
    .slice(-12)
    .map((l) => l.slice(0, 400))
    .join('\n');
}

const dial = (o: Partial<Parameters<typeof placeSipCall>[0]>) =>
  placeSipCall({ target: `${process.env.PARLEY_NODE_IP}:${sip.sipPort}`, from: CALLER_IP, number: NUMBER, holdMs: 8000, ...o });

describe('keys on a phone call with the agent', () => {
  it('reach the conversation as one line of the caller', async () => {
    const before = peer.clientEventsOf('conversation.item.create').length;
    const res = await dial({ holdMs: 7000, dtmf: [{ digits: '42', atMs: 3000 }] });
    expect(res.responses).toEqual([200]);
    const lines = peer
      .clientEventsOf('conversation.item.create')
      .slice(before)
      .map((e) => e.payload.item)
      .filter((i) => i.type === 'message' && i.role === 'user');
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).toContain('[The caller pressed the keys: 4 2]');
  });

  it('the person key: the agent says so, then a REFER carries the configured target, and LiveKit hangs up', async () => {
    const res = await dial({ holdMs: 25_000, dtmf: [{ digits: '0', atMs: 3000 }], acceptRefer: true, maxCallMs: 40_000 });
    expect(res.referTo).toBe(`<${TARGET}>`);
    // LiveKit SIP hangs up once the transfer completed; if it does not, its log says why (e.g. the
    // REFER's 202 reported as a timeout, which sip/livekit-sip-final-response.patch mends)
    expect(res.byeFrom, `LiveKit SIP on the transfer:\n${sipLogOn(/transfer|NOTIFY|BYE/)}`).toBe('remote');
    // the transfer was the model's choice (its transfer_to_human call), answered by the agent's desk
    const outputs = peer
      .clientEventsOf('conversation.item.create')
      .map((e) => e.payload.item)
      .filter((i) => i.type === 'function_call_output');
    expect(outputs.map((o) => JSON.parse(o.output))).toContainEqual({ status: 'transferring' });
    // the agent's line was heard before the REFER came
    const refer = traceMessages(res.messages).find((m) => m.dir === 'in' && startLine(m).method === 'REFER');
    const loudBefore = res.heardPackets.filter((p) => p.at < refer!.at && rmsOf(p.samples) > 300).length;
    expect(loudBefore * 20).toBeGreaterThan(500);
  });
});
