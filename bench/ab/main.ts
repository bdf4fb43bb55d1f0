import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dispose } from '@livekit/rtc-node';
import { SipClient } from 'livekit-server-sdk';
import type { VadMode } from '../../agent/config/config.js';
import { encodeWav } from '../../agent/audio/wav.js';
import type { Transport } from '../../agent/metrics/record.js';
import { startRealtimeStandin } from '../../openai-standin/server.js';
import { DEFAULT_WAN } from '../../openai-standin/wan.js';
import { PEER_SAMPLE_RATE, Speech } from '../../speech/espeak.js';
import { startSip } from '../../stack/sip.js';
import type { Service } from '../../stack/service.js';
import { provisionSip } from '../../sip/provision.js';
import { speak } from '../../speech/clips.js';
import { ROOT, startTestStack, startTestTwilioGateway, startTestWorker } from '../../stack/test-stack.js';
import { latencyChartHtml } from '../../report/chart.js';
import { figuresOf, perceivedByGroup } from '../../report/metrics.js';
import { readStream } from '../../report/records.js';
import { summarise } from '../../report/stats.js';
import { buildReport, formatReport } from '../../report/report.js';
import { powerBandwidth, type Bandwidth } from '../../report/spectrum.js';
import { ANSWERS, configKey, DEFAULT_PLAN, peerScript, QUESTIONS, roomPrefix, type AbPlan } from './plan.js';
import { splitWaits, type CallerTurn } from '../../callers/caller-latency.js';
import { runSipLeg } from '../../callers/sip-leg.js';
import { runTwilioLeg } from '../../callers/twilio-leg.js';
import { TwilioCarrier } from '../../callers/twilio/carrier.js';
import { TwilioRestStandin } from '../../callers/twilio/rest-standin.js';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../../test/support/twilio-stack.js';
import { runWebrtcCaller, type LegResult } from '../../callers/webrtc-leg.js';
import { concatPcm } from '../../agent/audio/pcm.js';

/**
 * npm run ab [-- --turns 10 --median-ms 700 --sigma 0.45 --filler-share 0.2 --gap-ms 5500
 *              --modes local,server_vad --transports webrtc,sip,twilio_ws --out out/ab]
 *
 * The A/B runner: the real stack (livekit-server, LiveKit SIP, Redis, the worker) in the test
 * namespace, the local Realtime stand-in with a known model-latency distribution, and for every VAD
 * mode × transport one caller asking `turns` questions. Then the report (system-added latency =
 * perceived − model, per configuration), the latency each caller itself measured (its speech
 * end → the answer's first sound at its ear, independent of the agent's VAD), the 99 % power
 * bandwidth of what each caller heard, and as the last line one JSON object.
 */
const { values: a } = parseArgs({
  options: {
    turns: { type: 'string' },
    'median-ms': { type: 'string' },
    sigma: { type: 'string' },
    'filler-share': { type: 'string' },
    'gap-ms': { type: 'string' },
    modes: { type: 'string' },
    transports: { type: 'string' },
    seed: { type: 'string' },
    'rtt-ms': { type: 'string' },
    'jitter-ms': { type: 'string' },
    out: { type: 'string', default: 'out/ab' },
  },
});
const num = (v: string | undefined, d: number, name: string) => {
  const x = v === undefined ? d : Number(v);
  if (!Number.isFinite(x) || x < 0) throw new Error(`--${name} must be a non-negative number`);
  return x;
};
const plan: AbPlan = {
  turns: Math.max(1, Math.round(num(a.turns, DEFAULT_PLAN.turns, 'turns'))),
  modelMedianMs: num(a['median-ms'], DEFAULT_PLAN.modelMedianMs, 'median-ms'),
  modelSigma: num(a.sigma, DEFAULT_PLAN.modelSigma, 'sigma'),
  fillerShare: Math.min(1, num(a['filler-share'], DEFAULT_PLAN.fillerShare, 'filler-share')),
  fillerLatencyMs: DEFAULT_PLAN.fillerLatencyMs,
  gapMs: num(a['gap-ms'], DEFAULT_PLAN.gapMs, 'gap-ms'),
  seed: num(a.seed, DEFAULT_PLAN.seed, 'seed'),
  modes: (a.modes?.split(',') ?? DEFAULT_PLAN.modes) as VadMode[],
  transports: (a.transports?.split(',') ?? DEFAULT_PLAN.transports) as Transport[],
};
for (const m of plan.modes) if (m !== 'local' && m !== 'server_vad') throw new Error(`unknown VAD mode "${m}" (local, server_vad)`);
for (const t of plan.transports)
  if (t !== 'webrtc' && t !== 'sip' && t !== 'twilio_ws') throw new Error(`unknown transport "${t}" (webrtc, sip, twilio_ws)`);
// the model a WAN away, as the real API is (openai-standin/wan.ts); --rtt-ms 0 for the zero-RTT figures
const wan = { rttMs: num(a['rtt-ms'], DEFAULT_WAN.rttMs, 'rtt-ms'), jitterMs: num(a['jitter-ms'], DEFAULT_WAN.jitterMs, 'jitter-ms') };
const nodeIp = process.env.PARLEY_NODE_IP;
if (!nodeIp) throw new Error('the A/B runner needs the test namespace: run it with `npm run ab`');
const callerIp = process.env.PARLEY_PEER_IP ?? '10.77.0.2';
const NUMBER = '+15550177';
const outDir = a.out!;
mkdirSync(outDir, { recursive: true });
const runId = Date.now().toString(36);
const prefix = roomPrefix(runId);

const services: Pick<Service, 'stop'>[] = [];
const stopAll = async () => {
  for (const s of services.reverse()) await s.stop().catch(() => {});
  await dispose();
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

try {
  const stack = await startTestStack();
  services.push(stack);
  const peer = await startRealtimeStandin({ host: '127.0.0.1', port: 0, wan });
  services.push({ stop: () => peer.close() });
  let sipTarget = '';
  if (plan.transports.includes('sip')) {
    services.push(await startSip(ROOT, { wsUrl: stack.url, redisPort: stack.redisPort, ip: nodeIp }));
    await provisionSip(new SipClient(stack.httpUrl, stack.apiKey, stack.apiSecret), {
      trunkName: 'parley-ab',
      numbers: [NUMBER],
      allowedAddresses: [`${callerIp}/32`],
      ruleName: 'parley-ab',
      roomPrefix: `${prefix}sip-`,
      agentName: 'parley',
    });
    sipTarget = `${nodeIp}:5060`;
  }
  // Twilio: its REST API stood in locally, and a carrier speaking Media Streams to our gateway
  let rest: TwilioRestStandin | null = null;
  if (plan.transports.includes('twilio_ws')) {
    rest = new TwilioRestStandin({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    await rest.listen();
    services.push({ stop: () => rest!.close() });
  }
  const carrier = new TwilioCarrier(rest ? { rest } : {});
  /** The Twilio calls' rooms (their stream sids): their records carry no room prefix of ours. */
  const twilioRooms = new Set<string>();
  const questions48k = await Promise.all(QUESTIONS.map((q) => speak(q, 48_000)));
  const questions8k = await Promise.all(QUESTIONS.map((q) => speak(q, 8_000)));

  const heard = new Map<string, LegResult>();
  /** Per configuration: each question as the caller lived it (its own clock). */
  const callerHeard = new Map<string, CallerTurn[]>();
  let leg = 0;
  for (const mode of plan.modes) {
    // one worker per VAD mode: the mode is part of its configuration, as in production
    const callEnv = { PARLEY_VAD_MODE: mode, PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0' };
    const worker = await startTestWorker(stack, `${peer.url}/v1`, callEnv, `worker-ab-${mode}`);
    const twilio = rest
      ? await startTestTwilioGateway(
          stack,
          `${peer.url}/v1`,
          { ...callEnv, TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID, TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN, PARLEY_TWILIO_API_URL: rest.baseUrl },
          `twilio-ab-${mode}`,
        )
      : null;
    try {
      for (const transport of plan.transports) {
        // the same seed for every configuration: each sees the same sequence of model latencies
        peer.setScript(peerScript(plan));
        const key = configKey(transport, mode);
        const started = Date.now();
        console.log(`${key}: ${plan.turns} turns…`);
        const res =
          transport === 'webrtc'
            ? await runWebrtcCaller(stack, {
                room: `${prefix}webrtc-${mode}`,
                questions: questions48k,
                turns: plan.turns,
                gapMs: plan.gapMs,
              })
            : transport === 'sip'
              ? await runSipLeg({
                  target: sipTarget,
                  from: callerIp,
                  number: NUMBER,
                  questions8k,
                  turns: plan.turns,
                  gapMs: plan.gapMs,
                  mediaPort: 16_000 + 2 * leg,
                })
              : await runTwilioLeg({
                  dial: () =>
                    carrier.call({
                      webhookUrl: `${twilio!.url}/twilio/voice`,
                      authToken: TEST_AUTH_TOKEN,
                      accountSid: TEST_ACCOUNT_SID,
                      from: '+15550112',
                      to: NUMBER,
                    }),
                  questions8k,
                  turns: plan.turns,
                  gapMs: plan.gapMs,
                }).then((r) => {
                  twilioRooms.add(r.streamSid);
                  return r;
                });
        leg++;
        heard.set(key, res);
        callerHeard.set(key, res.turns);
        writeFileSync(join(outDir, `heard-${transport}-${mode}.wav`), encodeWav(res.heard, res.sampleRate));
        console.log(`${key}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    } finally {
      await worker.stop();
      await twilio?.service.stop(15_000);
    }
  }

  // turn records come from the worker through Redis, exactly as `npm run report` reads them
  const records = (await readStream(stack.redisUrl)).filter((t) => t.room.startsWith(prefix) || twilioRooms.has(t.room));
  writeFileSync(join(outDir, 'turns.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const report = buildReport(records);
  writeFileSync(join(outDir, 'report.html'), latencyChartHtml(perceivedByGroup(records)));

  const bandwidth: Record<string, number> = {};
  const byTransport: Record<string, number> = {};
  const lines = ['', '99 % power bandwidth of what the caller heard', 'configuration       rate    bandwidth   frames'];
  // the reference: the answers as the peer sends them, before any transport (a real voice has
  // more high-frequency energy than espeak-ng, so read the transport rows against this one)
  const tts = new Speech();
  const source = concatPcm(await Promise.all(ANSWERS.map((t) => tts.say(t))));
  const sourceBw = powerBandwidth(source, PEER_SAMPLE_RATE);
  const row = (name: string, bw: Bandwidth) =>
    `${name.padEnd(18)}  ${String(bw.sampleRate).padStart(5)}   ${String(Math.round(bw.bandwidthHz)).padStart(6)} Hz   ${bw.frames}`;
  lines.push(row('source (stand-in)', sourceBw));
  for (const [key, res] of heard) {
    const bw = powerBandwidth(res.heard, res.sampleRate);
    bandwidth[key] = Math.round(bw.bandwidthHz);
    lines.push(row(key, bw));
  }
  for (const t of plan.transports) {
    const xs = Object.entries(bandwidth)
      .filter(([k]) => k.startsWith(`${t}/`))
      .map(([, v]) => v);
    byTransport[t] = Math.round(xs.reduce((s, x) => s + x, 0) / xs.length);
  }
  const answered: Record<string, number> = {};
  for (const t of plan.transports)
    for (const m of plan.modes)
      answered[configKey(t, m)] = records.filter((r) => r.transport === t && r.vadMode === m && r.status === 'completed').length;

  const med = (xs: number[]) => {
    const m = summarise(xs).median;
    return m === null ? null : Math.round(m);
  };
  const caller_heard_ms = Object.fromEntries(
    [...callerHeard].map(([k, turns]) => {
      const xs = turns.flatMap((t) => (t.answerAt === null ? [] : [t.answerAt - t.speechEndAt]));
      const sm = summarise(xs);
      const split = splitWaits(
        turns,
        records.filter((r) => configKey(r.transport, r.vadMode) === k && r.status === 'completed'),
      );
      return [
        k,
        {
          n: sm.n,
          median: med(xs),
          p90: sm.p90 === null ? null : Math.round(sm.p90),
          // caller's speech end → the agent's VAD speech end; the agent's first frame out → caller's ear
          inbound_median: med(split.map((w) => w.inbound)),
          outbound_median: med(split.map((w) => w.outbound)),
          split_n: split.length,
          values: xs,
        },
      ];
    }),
  );
  // one group per transport, the same keys for each (both VAD modes pooled): the transport table
  const transports = Object.fromEntries(
    plan.transports.map((t) => {
      const keys = plan.modes.map((m) => configKey(t, m));
      const heardMs = keys.flatMap((k) => caller_heard_ms[k]?.values ?? []);
      const added = records
        .filter((r) => r.transport === t)
        .map(figuresOf)
        .flatMap((f) => ('excluded' in f ? [] : [f.systemAdded]));
      return [
        t,
        {
          caller_heard_median_ms: med(heardMs),
          caller_heard_n: heardMs.length,
          system_added_median_ms: med(added),
          bandwidth_99_hz: byTransport[t] ?? null,
          answered: keys.reduce((n, k) => n + (answered[k] ?? 0), 0),
          asked: keys.length * plan.turns,
        },
      ];
    }),
  );
  console.log(formatReport(report));
  console.log('\nper transport (both VAD modes): caller-heard median, system-added median, 99 % bandwidth');
  for (const [t, g] of Object.entries(transports)) {
    console.log(
      `${t.padEnd(10)}  heard ${g.caller_heard_median_ms} ms (n ${g.caller_heard_n})  added ${g.system_added_median_ms} ms  bandwidth ${g.bandwidth_99_hz} Hz  answered ${g.answered}/${g.asked}`,
    );
  }
  console.log('\nlatency at the caller: its speech end (its last sample above −60 dBFS sent) → first answer sound it hears');
  console.log('(in: caller speech end → agent VAD speech end; out: agent first frame → caller ear; medians)');
  for (const [k, c] of Object.entries(caller_heard_ms)) {
    console.log(
      `${k.padEnd(18)}  n ${c.n}  median ${c.median} ms  p90 ${c.p90} ms   in ${c.inbound_median} ms  out ${c.outbound_median} ms`,
    );
  }
  console.log(lines.join('\n'));
  console.log(
    `\nanswered turns: ${Object.entries(answered)
      .map(([k, n]) => `${k} ${n}/${plan.turns}`)
      .join(', ')}`,
  );
  // our commit sent → the server's input_audio_buffer.committed: one round trip to the model and back
  const acks = new Map<string, number[]>();
  for (const t of records) {
    if (t.commitSentAt === null || t.commitAckAt === null) continue;
    const k = `${t.transport}/${t.vadMode}`;
    acks.set(k, [...(acks.get(k) ?? []), t.commitAckAt - t.commitSentAt]);
  }
  const commit_ack_ms = Object.fromEntries([...acks].map(([k, v]) => [k, summarise(v).median]));
  console.log(`commit sent → acknowledged, median ms (model ${wan.rttMs} ms round trip away): ${JSON.stringify(commit_ack_ms)}`);
  console.log(`turn records: ${join(outDir, 'turns.jsonl')}   chart: ${join(outDir, 'report.html')}   caller audio: ${outDir}/heard-*.wav`);
  console.log(
    JSON.stringify({
      plan,
      answered,
      bandwidth_99_hz: bandwidth,
      bandwidth_99_hz_by_transport: byTransport,
      bandwidth_99_hz_source: Math.round(sourceBw.bandwidthHz),
      caller_heard_ms,
      transports,
      wan,
      commit_ack_ms,
      ...report,
    }),
  );
} finally {
  await stopAll();
}
