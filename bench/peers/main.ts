import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { concatPcm } from '../../agent/audio/pcm.js';
import { encodeWav } from '../../agent/audio/wav.js';
import { dispose } from '@livekit/rtc-node';
import { startRealtimeStandin } from '../../openai-standin/server.js';
import { DEFAULT_WAN } from '../../openai-standin/wan.js';
import type { ProcessSeries } from '../../report/load/process-series.js';
import { summarise } from '../../report/stats.js';
import { speak } from '../../speech/clips.js';
import { PEER_SAMPLE_RATE, speakPcm } from '../../speech/espeak.js';
import { PEER_AGENT_NAME, startPeerWorker } from '../../stack/peer-worker.js';
import type { Service } from '../../stack/service.js';
import { ROOT, startTestStack, startTestWorker } from '../../stack/test-stack.js';
import { QUESTIONS } from '../ab/plan.js';
import { onsetInbound } from '../../callers/caller-latency.js';
import type { TurnRecord } from '../../agent/metrics/record.js';
import type { CallSummary } from '../../agent/metrics/call-summary.js';
import { jitterBufferOf } from '../../agent/transports/livekit/jitter-buffer.js';
import { readStream } from '../../report/records.js';
import { awaitCallSummaries } from '../load/call-summaries.js';
import { startControlLoop } from '../load/control.js';
import { ProcessSampler } from '../load/process-sampler.js';
import { type PeerCallResult, runBargeInCall } from './barge-in-call.js';
import { heardAnswers } from '../../report/heard-answers.js';

/**
 * npm run bench:peers [-- --rooms 2 --duration 45 --gap-ms 9000 --median-ms 700]
 *
 * Parley beside the peer a user would pick instead (stock @livekit/agents 1.9: AgentSession over
 * the OpenAI Realtime plugin at its defaults, peer/agents-js), in one run on one stack:
 * livekit-server, Redis, one Realtime stand-in (a WAN away, seeded log-normal model latency, one
 * scripted answer), both workers. `--rooms` calls per agent run at the same time, started
 * alternately: both agents meet the same machine at the same moments (a 2-core box's load moves
 * by seconds; run one after the other and each would get a different machine). Every call is
 * the same WebRTC caller: the same questions at the same gaps, and one barge-in over its first
 * answer ~1 s in. The control loop runs throughout. Table first, then the JSON line last.
 */
const { values: a } = parseArgs({
  options: {
    rooms: { type: 'string', default: '2' },
    duration: { type: 'string', default: '45' },
    'gap-ms': { type: 'string', default: '9000' },
    'median-ms': { type: 'string', default: '700' },
    'barge-in-after-ms': { type: 'string', default: '1000' },
    'stagger-ms': { type: 'string', default: '400' },
    /** Where to write what each caller heard (a WAV per call, and its chunks' times and turns as JSON). */
    'heard-dir': { type: 'string' },
  },
});
const num = (k: keyof typeof a) => {
  const v = Number(a[k]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${k} is not valid: ${a[k]}`);
  return v;
};
const rooms = num('rooms');
if (!Number.isInteger(rooms) || rooms < 1) throw new Error(`--rooms must be a whole number ≥ 1: ${a.rooms}`);
const durationS = num('duration');
const gapMs = num('gap-ms');
const staggerMs = num('stagger-ms');
if (!process.env.PARLEY_NODE_IP) throw new Error('bench:peers needs the test namespace: run it with `npm run bench:peers`');

/**
 * Every answer the stand-in gives (~6.4 s): long enough that a barge-in 1 s in lands inside it and
 * the old answer could play through the whole interruption, short enough to end before the next
 * question (asked --gap-ms after the last one ended; the answer begins ~1.5 s after that), so only
 * the scripted barge-in cuts an answer.
 */
const ANSWER = 'Sure. It will be mild and dry this afternoon, with a light breeze from the west, and a little sun later on.';
const INTERRUPTION = 'Wait, stop, I have another question';

const GROUPS = { parley: 'parley', agents_js: PEER_AGENT_NAME } as const;
type Group = keyof typeof GROUPS;

const services: Service[] = [];
const stack = await startTestStack();
const standin = await startRealtimeStandin({ host: '127.0.0.1', port: 0, wan: DEFAULT_WAN });
try {
  standin.setScript({ reply: () => ANSWER, modelLatencyMs: { kind: 'lognormal', medianMs: num('median-ms'), sigma: 0.45 }, seed: 11 });
  const parleyWorker = await startTestWorker(
    stack,
    `${standin.url}/v1`,
    { PARLEY_IDLE_NUDGE_MS: '0', PARLEY_IDLE_GOODBYE_MS: '0', PARLEY_MAX_JOBS: String(rooms + 1) },
    'worker-parley',
  );
  services.push(parleyWorker);
  const peerWorker = await startPeerWorker(ROOT, stack, standin.url);
  services.push(peerWorker);

  const [questions, interruption, sent] = await Promise.all([
    Promise.all(QUESTIONS.map((q) => speak(q, 48_000))),
    speak(INTERRUPTION, 48_000),
    // the PCM the stand-in sends for every answer (the same espeak-ng call as openai-standin's Speech)
    speakPcm(ANSWER, PEER_SAMPLE_RATE, { wordsPerMinute: 175 }),
  ]);
  await new Promise((r) => setTimeout(r, 3000)); // both workers' idle processes prewarm

  // each worker's processes (the worker, its job processes) sampled on their own
  const samplers = { parley: new ProcessSampler(parleyWorker.pid).start(), agents_js: new ProcessSampler(peerWorker.pid).start() };
  const control = startControlLoop();
  await control.started;
  const loadStart = Date.now();
  const until = loadStart + durationS * 1000 + 2 * rooms * staggerMs;
  const runId = Date.now().toString(36);
  const plan = Array.from({ length: rooms }, (_, i) => (['parley', 'agents_js'] as const).map((g) => ({ g, i }))).flat();
  const results = await Promise.all(
    plan.map(({ g, i }, k) =>
      new Promise((r) => setTimeout(r, k * staggerMs)).then(() =>
        runBargeInCall(stack, {
          room: `peers-${runId}-${g}-${i}`,
          agent: GROUPS[g],
          questions,
          interruption,
          gapMs,
          bargeInAfterMs: num('barge-in-after-ms'),
          untilMs: until,
        }).then(
          (r): { g: Group; r: PeerCallResult } => ({ g, r }),
          (e: Error): { g: Group; error: string } => ({ g, error: `${g} room ${i}: ${e.message}` }),
        ),
      ),
    ),
  );
  const loadEnd = Date.now();
  const controlFigures = await control.stop();
  // Parley's own count of the holes it played (its pacer), beside what its callers heard
  const parleyRooms = results.flatMap((x) => ('r' in x && x.g === 'parley' ? [x.r.room] : []));
  const summaries = await awaitCallSummaries(stack.redisUrl, parleyRooms);
  const parleyTurns = (await readStream(stack.redisUrl)).filter((t) => parleyRooms.includes(t.room));
  const series = { parley: samplers.parley.stop(), agents_js: samplers.agents_js.stop() };

  if (a['heard-dir'])
    saveHeard(
      a['heard-dir'],
      results.flatMap((x) => ('r' in x ? [x.r] : [])),
      sent,
      parleyTurns,
      summaries,
    );
  const figures = (g: Group) => {
    const calls = results.flatMap((x) => ('r' in x && x.g === g ? [x.r] : []));
    const latencies = calls.flatMap((c) => c.turns.flatMap((t) => (t.answerAt === null ? [] : [t.answerAt - t.speechEndAt])));
    const leaks = calls.flatMap((c) => (c.bargeInLeakMs === null ? [] : [c.bargeInLeakMs]));
    const answers = calls.map((c) => heardAnswers(c.heard, c.listenRate, c.turns, c.speechOnsets, sent));
    const holes = answers.flatMap((as, call) => as.flatMap((a) => a.holes.map((h) => ({ call, turn: a.turn, ...h }))));
    const holeMs = holes.reduce((n, h) => n + h.ms, 0);
    const answerMin = answers.flat().reduce((n, a) => n + a.answerMs, 0) / 60_000;
    const jobs = jobFigures(series[g], loadStart, loadEnd, calls.length);
    const r1 = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
    return {
      calls: calls.length,
      caller_heard_p50_ms: r1(summarise(latencies).median),
      barge_in_leak_p50_ms: r1(summarise(leaks).median),
      audible_gap_ms_per_min: answerMin > 0 ? r1(holeMs / answerMin) : null,
      cpu_pct_per_call: jobs.cpuPctPerCall,
      rss_mb_per_call: jobs.rssMbPerCall,
      // the figures behind the keys above
      answered_turns: latencies.length,
      asked_turns: calls.reduce((n, c) => n + c.turns.length, 0),
      barge_in_leaks_ms: leaks,
      audible_gaps: holes.length,
      audible_gap_ms: Math.round(holeMs * 10) / 10,
      // the sender's own count (Parley's pacer: dry spells and padding); agents-js keeps none
      sender_audible_gaps: g === 'parley' ? summaries.reduce((n, c) => n + c.pacer.audibleGaps, 0) : null,
      sender_audible_gap_ms: g === 'parley' ? Math.round(summaries.reduce((n, c) => n + c.pacer.audibleGapMs, 0) * 10) / 10 : null,
      // how late Parley's jobs read a turn's onset behind the caller's audio (a stalled loop), worst per call
      onset_input_late_max_ms: g === 'parley' ? summaries.map((c) => c.onsetInputLateMaxMs ?? null) : null,
      // how long the agent's audio waited in each caller's own jitter buffer (the same measure for both agents)
      caller_jitter_buffer_p50_ms: calls.map((c) => c.callerJitterBuffer?.p50Ms ?? null),
      caller_jitter_buffer_max_ms: calls.map((c) => c.callerJitterBuffer?.maxMs ?? null),
      // how long the caller's audio waited in each Parley job's jitter buffer (NetEq), worst second, and its median
      jitter_buffer_max_ms: g === 'parley' ? summaries.map((c) => jitterBufferOf(c.line)?.maxMs ?? null) : null,
      jitter_buffer_p50_ms: g === 'parley' ? summaries.map((c) => jitterBufferOf(c.line)?.p50Ms ?? null) : null,
      // how late each caller onset's sound reached Parley's VAD (the callers' clock beside the job's), p50 and worst
      ...(g === 'parley' ? onsetFigures(calls, parleyTurns) : { onset_inbound_p50_ms: null, onset_inbound_max_ms: null, onsets_late: [] }),
      answer_audio_s: Math.round(answerMin * 600) / 10,
      worker_rss_mb_max: jobs.workerRssMb,
      errors: results.flatMap((x) => ('error' in x && x.g === g ? [x.error] : [])),
      // each hole heard: which call and turn, how long, where in the answer
      holes_heard: holes.map(
        (h) => `call ${h.call} turn ${h.turn}: ${h.ms} ms at ${h.atSentMs} ms${h.quietMs ? ` (in ${h.quietMs} ms of quiet)` : ''}`,
      ),
    };
  };
  const out = { parley: figures('parley'), agents_js: figures('agents_js') };

  console.log(
    `\nbench:peers: ${rooms} call(s) per agent at once, ${durationS} s, a question every ~${((gapMs + 2000) / 1000).toFixed(1)} s, one barge-in per call; model ${DEFAULT_WAN.rttMs} ms RTT away`,
  );
  console.log('| figure | Parley | stock agents-js |\n|---|---|---|');
  const keys = Object.keys(out.parley) as (keyof (typeof out)['parley'])[];
  for (const k of keys) {
    const show = (v: unknown) => (Array.isArray(v) ? v.join(', ') || '–' : (v ?? '–'));
    console.log(`| ${k} | ${show(out.parley[k])} | ${show(out.agents_js[k])} |`);
  }
  console.log(
    `| control: bare 20 ms deadline loop, lateness p50 / p99 / p99.9 / max | ${controlFigures.p50_ms} / ${controlFigures.p99_ms} / ${controlFigures.p999_ms} / ${controlFigures.max_ms} ms | (same run) |`,
  );
  console.log(JSON.stringify({ ...out, control_p999_ms: controlFigures.p999_ms }));
  process.exitCode = out.parley.calls > 0 && out.agents_js.calls > 0 ? 0 : 1;
} finally {
  for (const s of services.reverse()) await s.stop().catch(() => {});
  await standin.close();
  await stack.stop();
  await dispose();
}

/**
 * One worker's job processes over the load phase: CPU of all of them (idle ones too: a cost of
 * serving calls) per call, as % of one core; RSS per call as the median peak RSS of the `calls`
 * job processes that used the most CPU (the ones that served a call; agents-js leaves no record of
 * which pid served which room).
 */
function jobFigures(series: ProcessSeries[], from: number, to: number, calls: number) {
  const jobs = series.filter((s) => s.role === 'job');
  const inPhase = (s: ProcessSeries) => s.samples.filter((x) => x.at > from && x.at <= to);
  const seconds = Math.max(1, (to - from) / 1000);
  const coreSeconds = (s: ProcessSeries) => inPhase(s).reduce((n, x) => n + x.cpuPct / 100, 0);
  const totalPct = (jobs.reduce((n, s) => n + coreSeconds(s), 0) / seconds) * 100;
  const busiest = [...jobs].sort((x, y) => coreSeconds(y) - coreSeconds(x)).slice(0, calls);
  const peaks = busiest.map((s) => Math.max(0, ...inPhase(s).map((x) => x.rssMb)));
  const worker = series.filter((s) => s.role === 'runner').flatMap((s) => s.samples.map((x) => x.rssMb));
  const r1 = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
  return {
    cpuPctPerCall: calls > 0 ? r1(totalPct / calls) : null,
    rssMbPerCall: r1(summarise(peaks).median),
    workerRssMb: worker.length ? r1(Math.max(...worker)) : null,
  };
}

/**
 * Parley's callers' onsets against its turn records: how late each onset's sound reached the VAD
 * (inbound), and the job's own lateness figure for the same turn, so a held-back stream and late
 * sound can be told apart. Onsets that arrived over 300 ms late are listed one by one.
 */
function onsetFigures(calls: readonly PeerCallResult[], turns: readonly TurnRecord[]) {
  const paired = calls.flatMap((c, call) =>
    onsetInbound(
      c.speechOnsets,
      turns.filter((t) => t.room === c.room),
    ).map((o) => ({ call, ...o, at: c.speechOnsets[o.onset]! })),
  );
  const first = Math.min(...calls.map((c) => c.speechOnsets[0] ?? Infinity));
  const inbound = paired.map((p) => Math.round(p.inboundMs));
  return {
    onset_inbound_p50_ms: summarise(inbound).median,
    onset_inbound_max_ms: inbound.length ? Math.max(...inbound) : null,
    onsets_late: paired
      .filter((p) => p.inboundMs > 300)
      .map(
        (p) =>
          `call ${p.call} onset ${p.onset} (${((p.at - first) / 1000).toFixed(1)} s in): ${Math.round(p.inboundMs)} ms in, read ${p.readLateMs ?? '–'} ms late`,
      ),
  };
}

/**
 * Each call's heard audio as a WAV, its chunks' times and turns beside it (with Parley's own turn
 * records and summary of the call), and the PCM sent for every answer.
 */
function saveHeard(
  dir: string,
  calls: readonly PeerCallResult[],
  sent: Int16Array,
  records: readonly TurnRecord[],
  summaries: readonly CallSummary[],
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sent.wav'), encodeWav(sent, PEER_SAMPLE_RATE));
  for (const c of calls) {
    writeFileSync(join(dir, `${c.room}.wav`), encodeWav(concatPcm(c.heard.map((h) => h.samples)), c.listenRate));
    const chunks = c.heard.map((h) => [h.at, h.samples.length]);
    writeFileSync(
      join(dir, `${c.room}.json`),
      JSON.stringify({
        agent: c.agent,
        listenRate: c.listenRate,
        turns: c.turns,
        speechOnsets: c.speechOnsets,
        bargeIn: c.bargeIn,
        records: records.filter((t) => t.room === c.room),
        summary: summaries.find((x) => x.room === c.room) ?? null,
        chunks,
      }),
    );
  }
  console.log(`what each caller heard: ${dir}`);
}
