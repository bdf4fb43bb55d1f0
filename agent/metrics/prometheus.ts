import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ThinkerReport } from '../thinkers/dispatcher.js';
import type { CallSummary } from './call-summary.js';
import { figuresOf } from './figures.js';
import type { TurnRecord } from './record.js';

const LATENCY_S = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1, 1.25, 1.5, 2, 3, 5, 10];
const TAIL_S = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 5];
const THINKER_S = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60];
const s = (ms: number) => ms / 1000;

/**
 * The worker's Prometheus metrics. Job processes are separate processes and do no metrics work
 * on their hot path: the records they write anyway (a turn record per turn, a summary per call, a
 * report per thinker task, to Redis streams) reach the worker (record-follower.ts), which counts
 * those of its own jobs here. Calls active is the worker's own count.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #turns: Counter<'transport' | 'vad_mode' | 'status'>;
  readonly #perceived: Histogram<'transport' | 'vad_mode'>;
  readonly #systemAdded: Histogram<'transport' | 'vad_mode'>;
  readonly #model: Histogram<'transport' | 'vad_mode'>;
  readonly #bargeIns: Counter<'transport'>;
  readonly #realtimeErrors: Counter<'code'>;
  readonly #calls: Counter<'transport'>;
  readonly #reconnects: Counter<'kind'>;
  readonly #pacerP999: Histogram;
  readonly #underruns: Counter;
  readonly #audibleGaps: Counter;
  readonly #audibleGapS: Counter;
  readonly #eventLoopP999: Histogram;
  readonly #unwritten: Counter;
  readonly #thinkers: Counter<'domain' | 'outcome'>;
  readonly #thinkerLatency: Histogram<'domain'>;
  readonly #cacheHits: Counter<'domain'>;

  constructor(activeCalls: () => number) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_worker_' });
    new Gauge({
      name: 'parley_calls_active',
      help: 'Calls this worker is serving now',
      registers,
      collect() {
        this.set(activeCalls());
      },
    });
    const byCall = ['transport', 'vad_mode'] as const;
    this.#calls = new Counter({ name: 'parley_calls_total', help: 'Calls ended', labelNames: ['transport'], registers });
    this.#turns = new Counter({ name: 'parley_turns_total', help: 'Turns ended, by status', labelNames: [...byCall, 'status'], registers });
    this.#perceived = new Histogram({
      name: 'parley_turn_latency_seconds',
      help: "The caller's speech end to the answer's first frame (answered turns)",
      labelNames: byCall,
      buckets: LATENCY_S,
      registers,
    });
    this.#systemAdded = new Histogram({
      name: 'parley_system_added_seconds',
      help: 'Turn latency minus the model latency: what VAD, network and pacer add',
      labelNames: byCall,
      buckets: LATENCY_S,
      registers,
    });
    this.#model = new Histogram({
      name: 'parley_model_latency_seconds',
      help: 'response.create (or the server end of turn) to the first audio delta',
      labelNames: byCall,
      buckets: LATENCY_S,
      registers,
    });
    this.#bargeIns = new Counter({
      name: 'parley_barge_ins_total',
      help: 'Answers the caller talked over',
      labelNames: ['transport'],
      registers,
    });
    this.#realtimeErrors = new Counter({
      name: 'parley_realtime_errors_total',
      help: 'Turns whose answer failed, by the API code (failed/incomplete/refused)',
      labelNames: ['code'],
      registers,
    });
    this.#reconnects = new Counter({
      name: 'parley_realtime_reconnects_total',
      help: 'Realtime sessions renewed on purpose (planned) or reconnected after a drop (dropped), per ended call',
      labelNames: ['kind'],
      registers,
    });
    this.#pacerP999 = new Histogram({
      name: 'parley_pacer_lateness_p999_seconds',
      help: "Each ended call's pacer hand-off lateness p99.9",
      buckets: TAIL_S,
      registers,
    });
    this.#underruns = new Counter({ name: 'parley_pacer_underruns_total', help: "Answers' audio ran out before their end", registers });
    this.#audibleGaps = new Counter({ name: 'parley_audible_gaps_total', help: 'Holes the caller heard inside answers', registers });
    this.#audibleGapS = new Counter({ name: 'parley_audible_gap_seconds_total', help: 'Length of those holes', registers });
    this.#eventLoopP999 = new Histogram({
      name: 'parley_event_loop_delay_p999_seconds',
      help: "Each ended call's job event-loop delay p99.9",
      buckets: TAIL_S,
      registers,
    });
    this.#unwritten = new Counter({
      name: 'parley_context_unwritten_total',
      help: "Context updates still unwritten to Redis at a call's end (the write-behind backlog)",
      registers,
    });
    this.#thinkers = new Counter({
      name: 'parley_thinker_tasks_total',
      help: 'Thinker tasks, by domain and outcome',
      labelNames: ['domain', 'outcome'],
      registers,
    });
    this.#thinkerLatency = new Histogram({
      name: 'parley_thinker_latency_seconds',
      help: 'Thinker task start to result',
      labelNames: ['domain'],
      buckets: THINKER_S,
      registers,
    });
    this.#cacheHits = new Counter({
      name: 'parley_thinker_cache_hits_total',
      help: 'Thinker results served from the cache',
      labelNames: ['domain'],
      registers,
    });
  }

  turn(t: TurnRecord): void {
    const labels = { transport: t.transport, vad_mode: t.vadMode };
    this.#turns.inc({ ...labels, status: t.status });
    if (t.bargeIn) this.#bargeIns.inc({ transport: t.transport });
    if (t.errorCode) this.#realtimeErrors.inc({ code: t.errorCode });
    const f = figuresOf(t);
    if ('excluded' in f) return;
    this.#perceived.observe(labels, s(f.perceived));
    this.#model.observe(labels, s(f.model));
    this.#systemAdded.observe(labels, s(f.systemAdded));
  }

  call(c: CallSummary): void {
    this.#calls.inc({ transport: c.transport });
    this.#pacerP999.observe(s(c.pacer.cadenceP999Ms));
    this.#underruns.inc(c.pacer.underruns);
    this.#audibleGaps.inc(c.pacer.audibleGaps ?? 0);
    this.#audibleGapS.inc(s(c.pacer.audibleGapMs ?? 0));
    this.#eventLoopP999.observe(s(c.eventLoopP999Ms));
    this.#unwritten.inc(c.contextUnwritten);
    this.#reconnects.inc({ kind: 'planned' }, c.realtimeReconnects?.planned ?? 0);
    this.#reconnects.inc({ kind: 'dropped' }, c.realtimeReconnects?.dropped ?? 0);
  }

  thinker(r: ThinkerReport): void {
    this.#thinkers.inc({ domain: r.domain, outcome: r.outcome });
    this.#thinkerLatency.observe({ domain: r.domain }, s(r.ms));
    if (r.cached) this.#cacheHits.inc({ domain: r.domain });
  }
}
