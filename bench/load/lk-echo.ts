import { randomBytes } from 'node:crypto';
import { cpuBusyMeter } from '../../agent/cpu.js';
import { DEFAULT_PHONE_GREETING } from '../../agent/config/config.js';
import type { TurnRecord } from '../../agent/metrics/record.js';
import { type EchoCallResult, runEchoParticipant } from '../../callers/echo-leg.js';
import { type EchoRoomOutcome, echoFigures } from '../../report/load/echo-figures.js';
import { loadFigures, type RoomOutcome } from '../../report/load/figures.js';
import { readStream } from '../../report/records.js';
import { type Service, serviceLogFile } from '../../stack/service.js';
import { awaitCallSummaries } from './call-summaries.js';
import { startControlLoop } from './control.js';
import { controlKeys, printJobTimingRows } from './job-rows.js';
import { idleProcessesReady, logSize } from './idle-ready.js';
import { loadTarget } from './target.js';

/** The echo run's worker (its log holds its idle processes' ready lines). */
const WORKER_NAME = 'worker-lk-echo';
export interface LkEchoOptions {
  rooms: number;
  /** The longest an echo participant stays (lk's --duration); the agent's goodbye ends a call sooner. */
  durationS: number;
  /** lk's --echo-speech-delay. */
  echoDelayS: number;
  /** The stand-in's model latency, median. */
  modelMedianMs: number;
  /** A running deployment instead of the local stack (its workers need PARLEY_GREETING_WEBRTC). */
  url?: string;
}

/** lk's room names: room-<i>-<id>, the id 12 characters as LiveKit's guids have. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const guid = () => [...randomBytes(12)].map((b) => BASE62[b % 62]).join('');

/**
 * `npm run load -- --lk-echo --rooms N [--echo-delay-s 5] [--duration S]`: what
 * `lk perf agent-load-test --agent-name parley --rooms N` does (livekit-cli pkg/loadtester), on our
 * own rtc-node participant: rooms `room-<i>-<id>` started one after another, each once the previous
 * room's agent has joined; in each, one `echo-participant` that dispatches the agent by name,
 * publishes an Opus microphone and plays the agent's audio back into the room `echoDelayS` later.
 * The worker greets WebRTC callers (lk's participant never speaks first). Prints what lk prints per
 * room (dispatch → agent joined, → its track subscribed), then the agent's side from its own
 * records: its turns (each should be its echo, none answered), pacer, event loop, audible holes,
 * the control loop. Table first, JSON last. Returns the exit code.
 */
export async function runLkEcho(o: LkEchoOptions): Promise<number> {
  const services: Pick<Service, 'stop'>[] = [];
  const stopAll = async () => {
    for (const s of services.splice(0).reverse()) await s.stop().catch(() => {});
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const env = await loadTarget({ url: o.url, modelMedianMs: o.modelMedianMs });
    services.push(env);
    if (env.local) {
      const logFrom = logSize(serviceLogFile(WORKER_NAME));
      const worker = await env.startWorker(
        {
          PARLEY_MAX_JOBS: String(o.rooms + 1),
          PARLEY_CPU_FULL_AT: '0',
          // lk's participant only ever echoes: the agent must speak first
          PARLEY_GREETING_WEBRTC: DEFAULT_PHONE_GREETING,
          // empty = unset: the worker's own idle nudge and goodbye end each call, as they would for users
          PARLEY_IDLE_NUDGE_MS: '',
          PARLEY_IDLE_GOODBYE_MS: '',
        },
        WORKER_NAME,
      );
      services.push(worker);
      // its idle processes prewarm (VAD model loaded, echo comparison compiled)
      await idleProcessesReady(worker.logFile, logFrom);
    } else {
      console.log('a deployment: its workers must greet WebRTC callers (PARLEY_GREETING_WEBRTC), or nothing is ever said');
    }

    const machineBusy = cpuBusyMeter();
    const control = startControlLoop();
    await control.started;
    const names = Array.from({ length: o.rooms }, (_, i) => `room-${i}-${guid()}`);
    const calls: Promise<EchoCallResult | Error>[] = [];
    for (const room of names) {
      // one after another, as lk does: the next room once this room's agent has joined (or failed to)
      const joined = new Promise<void>((resolve) => {
        const call = runEchoParticipant(env.target, {
          room,
          echoDelayMs: o.echoDelayS * 1000,
          untilMs: Date.now() + o.durationS * 1000,
          joinTimeoutMs: 60_000,
          onAgentJoined: resolve,
        }).catch((e: Error) => e);
        calls.push(call);
        void call.then(() => resolve());
      });
      await joined;
    }
    const results = await Promise.all(calls);
    const machineCpuPct = Math.round(machineBusy() * 1000) / 10;
    const controlFigures = await control.stop();

    const summaries = await awaitCallSummaries(env.target.redisUrl, names);
    const turns: TurnRecord[] = (await readStream(env.target.redisUrl)).filter((t) => names.includes(t.room));
    const outcomes: EchoRoomOutcome[] = results.map((r, i) =>
      r instanceof Error ? { room: names[i]!, error: r.message } : { ...r, callMs: r.endedAt - r.dispatchAt },
    );
    const echo = echoFigures(outcomes, turns);
    const figures = loadFigures({
      rooms: outcomes.map((r): RoomOutcome => ({ room: r.room, agentJoined: r.agentJoinedAt !== undefined, error: r.error })),
      turns,
      calls: summaries,
      baselineTurns: [],
      answersExpected: false,
    });
    const redispatches = results.filter((r) => !(r instanceof Error) && r.redispatched).length;

    console.log(
      `\nlk agent-load-test, reproduced: ${o.rooms} rooms one after another, echo-participant playing the agent back after ${o.echoDelayS} s (at most ${o.durationS} s a room)`,
    );
    console.log(
      '| room | dispatch → agent joined | → agent track subscribed | → first agent sound | caller turns | echo | answered | other | ended by | call s | echoed / dropped s |\n|---|---|---|---|---|---|---|---|---|---|---|',
    );
    const ms = (x: number | null) => (x === null ? '–' : `${x} ms`);
    for (const r of echo.rows) {
      console.log(
        `| ${r.room} | ${ms(r.join_ms)} | ${ms(r.subscribed_ms)} | ${ms(r.first_sound_ms)} | ${r.turns} | ${r.echo_turns} | ${r.answered} | ${r.other_turns || '–'} | ${r.ended_by_agent ? 'agent (goodbye)' : 'duration'} | ${r.call_s ?? '–'} | ${r.echoed_s ?? '–'} / ${r.dropped_s ?? '–'} |`,
      );
    }
    console.log('\n| figure | value |\n|---|---|');
    const row = (k: string, v: unknown) => console.log(`| ${k} | ${v ?? '–'} |`);
    row('agents joined', `${echo.agents_joined} of ${o.rooms}`);
    row(
      'dispatch → agent joined / → track subscribed / → first agent sound, p50',
      `${ms(echo.agent_join_delay_p50_ms)} / ${ms(echo.agent_track_subscribed_p50_ms)} / ${ms(echo.dispatch_to_first_sound_p50_ms)}`,
    );
    row('caller turns: echo (cleared, not answered) / answered / all', `${echo.echo_turns} / ${figures.answered_turns} / ${turns.length}`);
    row('calls the agent ended itself (idle goodbye)', `${echo.calls_ended_by_agent} of ${o.rooms}`);
    row('errors', figures.errors);
    row('turn latency p50 (answered turns only)', ms(figures.turn_p50_ms));
    row(
      'pacer lateness p99.9 (worst job / median job)',
      `${figures.pacer_p999_ms} / ${figures.pacer_p999_ms_median_job} ms; underruns ${figures.pacer_underruns}`,
    );
    row(
      'audible holes inside answers (pacer: sink dry or padding)',
      `${figures.audible_gaps} (${figures.audible_gap_ms_per_min ?? '–'} ms per minute of answer audio)`,
    );
    printJobTimingRows(row, figures, controlFigures);
    row('job peak RSS (median) / CPU (median, % of a core)', `${figures.rss_mb_per_job} MB / ${figures.cpu_pct_per_job} %`);
    row('machine CPU over the run', `${machineCpuPct} %`);
    row('job summaries received', `${summaries.length} of ${o.rooms}`);
    row('dispatches made again (not taken in 10 s)', redispatches);
    if (figures.error_list.length) console.log(`\nerrors:\n  ${figures.error_list.join('\n  ')}`);

    const {
      per_room_answered,
      error_list,
      turn_p50_ms_1room,
      system_added_p50_ms_1room,
      heard_gaps_per_min,
      heard_gaps_per_min_1room,
      audible_gaps_1room,
      ...keys
    } = figures;
    const { rows, ...echoKeys } = echo;
    console.log(
      JSON.stringify({
        ...echoKeys,
        echo_delay_s: o.echoDelayS,
        ...keys,
        machine_cpu_pct: machineCpuPct,
        ...controlKeys(controlFigures),
        redispatches,
        per_room: rows,
        error_list,
      }),
    );
    return figures.errors > 0 || echo.agents_joined < o.rooms ? 1 : 0;
  } finally {
    await stopAll();
  }
}
