import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dispose } from '@livekit/rtc-node';
import { cpuBusyMeter } from '../../agent/cpu.js';
import type { TurnRecord } from '../../agent/metrics/record.js';
import { type Service, serviceLogFile } from '../../stack/service.js';
import { sleep } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { PEER_SAMPLE_RATE, speakPcm } from '../../speech/espeak.js';
import { QUESTIONS } from '../ab/plan.js';
import { runWebrtcCaller, type WebrtcCallResult } from '../../callers/webrtc-leg.js';
import { heardAnswers } from '../../report/heard-answers.js';
import { type InjectedHolesFound, injectedHolesFound, parseInjectedStalls } from '../../report/injected-holes.js';
import { countGaps, loudWindows } from '../../report/heard-gaps.js';
import { readStream } from '../../report/records.js';
import { loadFigures, type RoomOutcome } from '../../report/load/figures.js';
import { cpuTable, formatCpuTable, formatStallTable, stallTable, type StallTable } from '../../report/long-tasks.js';
import { PROFILE_WARM_UP_MS, readCallProfiles } from './profiles.js';
import { idleProcessesReady, logSize } from './idle-ready.js';
import { awaitCallSummaries } from './call-summaries.js';
import { startControlLoop } from './control.js';
import { controlKeys, printJobTimingRows } from './job-rows.js';
import { cpuByRole, jobProcessFigures, medianOverJobs, peakRssMb } from '../../report/load/process-figures.js';
import { coreBusyMeter, OTHER_CORES, pinSelf, WORKER_CORES } from './pinning.js';
import { ProcessSampler } from './process-sampler.js';
import { loadTarget } from './target.js';
import { runLkEcho } from './lk-echo.js';

/**
 * npm run load [-- --rooms 3 --duration 30 --baseline-s 20 --gap-ms 5500 --no-cold-warm --samples out/load-samples.json]
 *              [-- --url wss://… (a running deployment: LIVEKIT_API_KEY/SECRET and REDIS_URL from the env)]
 *              [-- --pin (the worker and its jobs on core 0, the rest on core 1: bench/load/capacity.ts)]
 *              [-- --profile (each job's CPU profile → where its event loop goes, by cause: report/long-tasks.ts)]
 *              [-- --inject-holes 800:90,1900:140 (every answer's audio stalls there: the hole metrics must find them)]
 * npm run load -- --lk-echo --rooms N [--echo-delay-s 5] [--duration 120]: lk's agent-load-test (lk-echo.ts)
 *
 * Load on the real stack with our own speaking participants (lk's agent-load-test cannot be built
 * here; see the README): every room gets the agent by explicit dispatch and a caller that keeps
 * asking questions. Phases: cold vs warm dispatch → first answer, one room alone (the baseline),
 * then N rooms at once. Figures come from the workers' own records (turns, and one summary per
 * job with pacer lateness, event-loop delay, RSS and CPU). Table first, JSON last.
 */
const { values: a } = parseArgs({
  options: {
    rooms: { type: 'string', default: '3' },
    /** Default 30 s; with --lk-echo the longest a room lasts, default 120 s (the agent's goodbye ends it sooner). */
    duration: { type: 'string' },
    'baseline-s': { type: 'string', default: '30' },
    'gap-ms': { type: 'string', default: '5500' },
    'median-ms': { type: 'string', default: '700' },
    'stagger-ms': { type: 'string', default: '200' },
    'no-cold-warm': { type: 'boolean', default: false },
    /** The worker and its jobs (and the control) on core 0, everything else on core 1 (the capacity sweep). */
    pin: { type: 'boolean', default: false },
    /** Write every process's per-second samples (CPU, RSS, threads) to this JSON file. */
    samples: { type: 'string' },
    url: { type: 'string' },
    /** What `lk perf agent-load-test` does instead of our speaking callers (bench/load/lk-echo.ts). */
    'lk-echo': { type: 'boolean', default: false },
    'echo-delay-s': { type: 'string', default: '5' },
    /** A CPU profile of every call (PARLEY_CPU_PROFILE_DIR under out/profiles), read into the stall table. */
    profile: { type: 'boolean', default: false },
    /**
     * Stalls in every answer's audio stream (local stand-in only), `atAudioMs:lateMs,…`: the
     * holes the pacer and the callers must then find (injected_holes_* in the JSON).
     */
    'inject-holes': { type: 'string' },
  },
});
const injected = a['inject-holes'] ? parseInjectedStalls(a['inject-holes']) : null;
const rooms = Number(a.rooms);
const durationS = Number(a.duration ?? (a['lk-echo'] ? 120 : 30));
const echoDelayS = Number(a['echo-delay-s']);
const baselineS = Number(a['baseline-s']);
const gapMs = Number(a['gap-ms']);
const staggerMs = Number(a['stagger-ms']);
for (const [k, v] of Object.entries({
  rooms,
  duration: durationS,
  'baseline-s': baselineS,
  'gap-ms': gapMs,
  'stagger-ms': staggerMs,
  'echo-delay-s': echoDelayS,
})) {
  if (!Number.isFinite(v) || v < 0 || (k === 'rooms' && (v < 1 || !Number.isInteger(v)))) throw new Error(`--${k} is not valid: ${v}`);
}
const runId = Date.now().toString(36);
/** The measured worker (its log holds its idle processes' ready lines). */
const WORKER_NAME = 'worker-load';
let redispatches = 0;
/** Each room's injected stalls held against what its caller heard (with --inject-holes). */
const injectedFound = new Map<string, InjectedHolesFound>();
const services: Pick<Service, 'stop'>[] = [];
const stopAll = async () => {
  for (const s of services.splice(0).reverse()) await s.stop().catch(() => {});
};
// pinned: this runner, and so livekit-server, Redis, the stand-in and the callers, on the other core
const workerCores = a.pin ? WORKER_CORES : undefined;
if (a.pin) pinSelf(OTHER_CORES);

if (a['lk-echo']) {
  try {
    process.exitCode = await runLkEcho({ rooms, durationS, echoDelayS, modelMedianMs: Number(a['median-ms']), url: a.url });
  } finally {
    await dispose();
  }
} else {
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  await mixedLoad();
}

/** Our own callers asking questions: cold/warm, one room alone, then N rooms at once. */
async function mixedLoad(): Promise<void> {
  try {
    const env = await loadTarget({ url: a.url, modelMedianMs: Number(a['median-ms']), ...(injected ? { stalls: injected } : {}) });
    services.push(env);
    const { target, startWorker } = env;
    const questions = await Promise.all(QUESTIONS.map((q) => speak(q, 48_000)));
    // the PCM the local stand-in sends for every answer (the same espeak-ng call as its Speech)
    const sent = env.answer ? await speakPcm(env.answer, PEER_SAMPLE_RATE, { wordsPerMinute: 175 }) : null;
    const call = (room: string, o: { turns?: number; untilMs?: number }) =>
      runWebrtcCaller(target, { room, questions, gapMs, joinTimeoutMs: 60_000, ...o });

    // 1. Cold vs warm: no idle process (fork + model load + connect on dispatch) vs a prewarmed one.
    const coldWarm: Record<string, { join_ms: number; first_answer_ms: number | null }> = {};
    const profileDir = a.profile ? resolve('out', 'profiles', runId) : null;
    const capacityEnv = {
      PARLEY_MAX_JOBS: String(rooms + 1),
      PARLEY_CPU_FULL_AT: '0',
      ...(profileDir ? { PARLEY_CPU_PROFILE_DIR: profileDir } : {}),
    };
    let worker: Service | null = null;
    if (env.local && !a['no-cold-warm']) {
      const cold = await startWorker({ ...capacityEnv, PARLEY_IDLE_PROCESSES: '0' }, 'worker-load-cold', workerCores);
      try {
        coldWarm.cold = timing(await call(`load-${runId}-cold`, { turns: 1 }));
      } finally {
        await cold.stop();
      }
    }
    if (env.local) {
      const logFrom = logSize(serviceLogFile(WORKER_NAME));
      worker = await startWorker(capacityEnv, WORKER_NAME, workerCores);
      services.push(worker);
      // its idle processes prewarm (VAD model loaded, echo comparison compiled): a warm dispatch
      // is timed only once they all say so, not while one still competes for the CPU
      await idleProcessesReady(worker.logFile, logFrom);
      if (!a['no-cold-warm']) coldWarm.warm = timing(await call(`load-${runId}-warm`, { turns: 1 }));
    }

    // 2. One room alone: the latency every loaded figure is compared with.
    const baseRoom = `load-${runId}-base`;
    const baseline = await outcome(baseRoom, call(baseRoom, { untilMs: Date.now() + baselineS * 1000 }), sent);

    // 3. N rooms at once, each caller starting a little after the previous (callers do not all speak in step).
    const machineBusy = cpuBusyMeter();
    const coresBusy = coreBusyMeter();
    // every process under this runner (livekit-server, Redis, the worker, its jobs), once a second
    const sampler = new ProcessSampler().start();
    // the control: a bare 20 ms deadline loop beside the jobs for the whole phase (what the machine
    // alone imposes on a process's timers; a job's lateness beyond it is the job's own)
    const control = startControlLoop(workerCores);
    await control.started;
    const loadStart = Date.now();
    const until = loadStart + durationS * 1000 + (rooms - 1) * staggerMs;
    const names = Array.from({ length: rooms }, (_, i) => `load-${runId}-r${i}`);
    const outcomes = await Promise.all(
      names.map((room, i) => sleep(i * staggerMs).then(() => outcome(room, call(room, { untilMs: until }), sent))),
    );
    const machineCpuPct = Math.round(machineBusy() * 1000) / 10;
    const corePct = coresBusy().map((b) => Math.round(b * 1000) / 10);
    const loadEnd = Date.now();
    const controlFigures = await control.stop();
    const processes = sampler.stop();
    if (a.samples) writeFileSync(a.samples, JSON.stringify({ loadStart, loadEnd, processes }));

    const all = [...names, baseRoom];
    const calls = await awaitCallSummaries(target.redisUrl, all);
    const turns: TurnRecord[] = (await readStream(target.redisUrl)).filter((t) => all.includes(t.room));
    const figures = loadFigures({
      rooms: outcomes,
      turns: turns.filter((t) => names.includes(t.room)),
      calls: calls.filter((c) => names.includes(c.room)),
      baselineTurns: turns.filter((t) => t.room === baseRoom),
      baselineHeard: baseline.heard,
      baselineCalls: calls.filter((c) => c.room === baseRoom),
    });
    const loadCalls = calls.filter((c) => names.includes(c.room));
    const jobProcesses = jobProcessFigures(processes, loadCalls);
    const byRole = cpuByRole(processes, loadStart, loadEnd);
    const sampled = (k: 'cpu_pct_p50' | 'rss_mb_max') => medianOverJobs(jobProcesses, k);
    // what the worker machine holds at N calls: the worker, every job process (idle ones too)
    const rssTotal = peakRssMb(processes, ['worker', 'job', 'inference'], loadStart, loadEnd);
    const workerSideCpu = (byRole.worker ?? 0) + (byRole.job ?? 0) + (byRole.inference ?? 0);

    console.log(
      `\nLoad: ${rooms} rooms × ${durationS} s (WebRTC callers asking every ~${((gapMs + 2000) / 1000).toFixed(1)} s), baseline 1 room × ${baselineS} s`,
    );
    console.log('| figure | value |\n|---|---|');
    const row = (k: string, v: unknown) => console.log(`| ${k} | ${v ?? '–'} |`);
    row(
      'answered turns (load / baseline)',
      `${figures.answered_turns} / ${turns.filter((t) => t.room === baseRoom && t.status === 'completed').length}`,
    );
    row('errors', figures.errors);
    row('turn latency p50, load vs 1 room', `${figures.turn_p50_ms} ms vs ${figures.turn_p50_ms_1room} ms`);
    row(
      'system-added latency p50 (turn − model), load vs 1 room',
      `${figures.system_added_p50_ms} ms vs ${figures.system_added_p50_ms_1room} ms`,
    );
    row(
      'pacer lateness p99.9 (worst job / median job)',
      `${figures.pacer_p999_ms} / ${figures.pacer_p999_ms_median_job} ms; underruns ${figures.pacer_underruns}`,
    );
    row(
      'silences in the agent audio as heard (speech’s own pauses too), per minute of sound: load vs 1 room',
      `${figures.heard_gaps_per_min ?? '–'} vs ${figures.heard_gaps_per_min_1room ?? '–'}`,
    );
    row(
      'audible holes inside answers (pacer: sink dry or padding), load vs 1 room',
      `${figures.audible_gaps} (${figures.audible_gap_ms_per_min ?? '–'} ms per minute of answer audio) vs ${figures.audible_gaps_1room ?? '–'}`,
    );
    row(
      'the same holes as the callers heard them (answers warped onto the PCM sent), load',
      `${figures.heard_holes ?? '–'} (${figures.heard_hole_ms_per_min ?? '–'} ms per minute of answer audio)`,
    );
    const injectedKeys = injected ? sumInjected(names.map((n) => injectedFound.get(n))) : null;
    if (injectedKeys)
      row(
        `injected stalls (${a['inject-holes']} in every answer): heard in place and length / due / other holes heard`,
        `${injectedKeys.injected_holes_found} / ${injectedKeys.injected_holes_expected} / ${injectedKeys.injected_holes_other}`,
      );
    printJobTimingRows(row, figures, controlFigures);
    row('job peak RSS (median)', `${figures.rss_mb_per_job} MB`);
    row('job CPU (median, % of a core)', `${figures.cpu_pct_per_job} %`);
    row('machine CPU during the load phase', `${machineCpuPct} % (per core: ${corePct.join(' / ')} %${a.pin ? '; worker on core 0' : ''})`);
    row('worker machine RSS at N calls (worker + every job process, peak)', `${rssTotal ?? '–'} MB`);
    row('worker and jobs CPU per call (% of a core)', `${Math.round((workerSideCpu / rooms) * 10) / 10} %`);
    for (const [k, v] of Object.entries(coldWarm))
      row(`${k}: dispatch → agent joined / → first answer`, `${v.join_ms} ms / ${v.first_answer_ms ?? '–'} ms`);
    row('job summaries received', `${loadCalls.length} of ${rooms}`);
    row(
      'sampled each second: job CPU p50 (median job) / RSS max (median job)',
      `${sampled('cpu_pct_p50') ?? '–'} % / ${sampled('rss_mb_max') ?? '–'} MB`,
    );
    row(
      'CPU by process role during the load phase (% of one core)',
      Object.entries(byRole)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    );
    row('dispatches made again (not taken in 10 s)', redispatches);
    if (jobProcesses.length) {
      console.log('\nJob processes, sampled once a second while they served their call:');
      console.log(
        '| room | pid | s | CPU p50 / p90 / max % | RSS start / max / end MB | top threads (% of a core) |\n|---|---|---|---|---|---|',
      );
      for (const j of jobProcesses) {
        const top = Object.entries(j.threads)
          .slice(0, 4)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        console.log(
          `| ${j.room} | ${j.pid} | ${j.seconds} | ${j.cpu_pct_p50} / ${j.cpu_pct_p90} / ${j.cpu_pct_max} | ${j.rss_mb_start} / ${j.rss_mb_max} / ${j.rss_mb_end} | ${top} |`,
        );
      }
    }
    let stalls: (StallTable & { missing: number }) | null = null;
    let jsCpu: ReturnType<typeof cpuTable> | null = null;
    if (profileDir) {
      const { windows, ticks, threads, missing } = await readCallProfiles(
        profileDir,
        loadCalls.map((c) => c.callId),
      );
      stalls = { ...stallTable(windows, ticks), missing: missing.length };
      console.log(
        `\n${formatStallTable(stalls, `Where the jobs' event loops went (${loadCalls.length - missing.length} call profiles in ${profileDir})`)}`,
      );
      jsCpu = cpuTable(threads);
      console.log(
        `\n${formatCpuTable(jsCpu, `Where the jobs' JS threads' CPU went, past each call's first ${PROFILE_WARM_UP_MS / 1000} s`)}`,
      );
      if (missing.length) console.log(`no profile from ${missing.join(', ')}`);
    }
    if (figures.error_list.length) console.log(`\nerrors:\n  ${figures.error_list.join('\n  ')}`);
    const { per_room_answered, error_list, ...keys } = figures;
    console.log(
      JSON.stringify({
        ...keys,
        ...injectedKeys,
        machine_cpu_pct: machineCpuPct,
        core_busy_pct: corePct,
        pinned: a.pin,
        rss_mb_total: rssTotal,
        cpu_pct_per_call: Math.round((workerSideCpu / rooms) * 10) / 10,
        ...controlKeys(controlFigures),
        redispatches,
        dispatch_to_first_answer_cold_ms: coldWarm.cold?.first_answer_ms ?? null,
        dispatch_to_first_answer_warm_ms: coldWarm.warm?.first_answer_ms ?? null,
        dispatch_to_join_cold_ms: coldWarm.cold?.join_ms ?? null,
        dispatch_to_join_warm_ms: coldWarm.warm?.join_ms ?? null,
        cpu_pct_per_job_sampled: sampled('cpu_pct_p50'),
        rss_mb_per_job_sampled: sampled('rss_mb_max'),
        cpu_pct_by_role: byRole,
        per_job_sampled: jobProcesses,
        ...(stalls ? { stall_causes: stalls.rows, stall_p999_ms: stalls.p999Ms, stall_profiles_missing: stalls.missing } : {}),
        ...(jsCpu ? { js_thread_busy_pct: jsCpu.busyPct, js_thread_cpu_causes: jsCpu.rows } : {}),
        per_room_answered,
        error_list,
      }),
    );
    process.exitCode = figures.errors > 0 ? 1 : 0;
  } finally {
    await stopAll();
    await dispose();
  }
}

/** A room's call as its caller lived it; `sent`, the PCM of every answer, when known. */
async function outcome(room: string, p: Promise<WebrtcCallResult>, sent: Int16Array | null): Promise<RoomOutcome> {
  try {
    const r = await p;
    if (r.redispatched) redispatches++;
    const answers = sent ? heardAnswers(r.chunks, r.sampleRate, r.turns, r.onsets, sent) : null;
    const holesHeard = answers && {
      holes: answers.reduce((n, x) => n + x.holes.length, 0),
      ms: answers.reduce((n, x) => n + x.holes.reduce((m, h) => m + h.ms, 0), 0),
      answerMs: answers.reduce((n, x) => n + x.answerMs, 0),
    };
    if (answers && injected) injectedFound.set(room, injectedHolesFound(answers, injected));
    return { room, agentJoined: true, heard: countGaps(loudWindows(r.heard, r.sampleRate)), holesHeard };
  } catch (e) {
    const msg = (e as Error).message;
    return { room, agentJoined: !/agent to join/.test(msg), error: msg };
  }
}

/** The load rooms' injected stalls, summed (a room without a result counts none). */
function sumInjected(found: (InjectedHolesFound | undefined)[]) {
  const sum = (k: keyof InjectedHolesFound) => found.reduce((n, f) => n + (f?.[k] ?? 0), 0);
  return { injected_holes_expected: sum('expected'), injected_holes_found: sum('found'), injected_holes_other: sum('other') };
}

function timing(r: WebrtcCallResult) {
  return { join_ms: r.agentJoinedAt - r.dispatchAt, first_answer_ms: r.firstAnswerAt === null ? null : r.firstAnswerAt - r.dispatchAt };
}
