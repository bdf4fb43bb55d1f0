import { EventEmitter } from 'node:events';
import type { ConversationLog } from '../context/conversation-log.js';
import type { ContextStore } from '../context/store.js';
import type { ContextUpdate, Domain } from '../context/types.js';
import type { PiiRedactor } from '../guardrail/redactor.js';
import { log } from '../log.js';
import { PROMPTS, THINKER_FAILURE } from '../prompts.js';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';
import { ResultCache } from './cache.js';
import { parseRouteArgs, ROUTE_TOOL_NAME } from './route-tool.js';
import { SpokenError, type Thinker } from './types.js';

/**
 * The one narrow interface thinkers need of the call: the Responder's tool calls, a way to put a
 * result in the conversation, the shared response lock, and whether anyone is talking.
 */
export interface ThinkerHost {
  onFunctionCall(fn: (responseId: string, call: { callId: string; name: string; args: string }) => void): void;
  submitToolOutput(callId: string, output: string): void;
  responseHadAudio(responseId: string): boolean;
  say(req: ResponseRequest): Promise<ResponseOutcome>;
  /**
   * How a response the host created ended for the caller: 'completed' once its audio has played
   * out, 'cancelled' when the caller talked over it, 'failed' when the model failed or the line
   * dropped. Resolves 'unknown' if nothing is heard of it within `maxWaitMs`.
   */
  responseEnded(responseId: string, maxWaitMs?: number): Promise<string>;
  /** Bumped at every barge-in (TurnController.interruptions). */
  readonly interruptions: number;
  readonly agentBusy: boolean;
  readonly userSpeaking: boolean;
  onUserSpeaking(fn: (speaking: boolean) => void): () => void;
}

export interface DispatcherOptions {
  host: ThinkerHost;
  thinkers: Record<Domain, Thinker>;
  context: ContextStore;
  conversation: ConversationLog;
  cache: ResultCache;
  redactor: PiiRedactor;
  stillWorkingAfterMs: number;
  stillWorkingEveryMs: number;
  /** Multiplies every thinker's own time budget (slow deployments, tests); default 1. */
  timeoutScale?: number;
}

/** How a thinker task ended, for logs, the page and tests. */
export type ThinkerOutcome =
  | 'spoken' // answered, and the caller heard the answer play out
  | 'interrupted' // answered; the caller talked over the answer
  | 'stale' // answered after a barge-in: in the conversation, not spoken
  | 'failed' // failed or timed out: an apology was spoken
  | 'unspoken' // the lock timed out or refused, or the answer's response failed: in the conversation only
  | 'cancelled'; // the call ended first

export interface ThinkerReport {
  domain: Domain;
  query: string;
  callId: string;
  outcome: ThinkerOutcome;
  cached: boolean;
  ms: number;
  error?: string;
}

interface Task {
  callId: string;
  domain: Domain;
  query: string;
  epoch: number;
  startedAt: number;
  abort: AbortController;
  timers: NodeJS.Timeout[];
}

type RunResult = { ok: true; response: string; cached: boolean } | { ok: false; spoken: string; error: string; cancelled?: boolean };

/**
 * Runs the Responder's route_to_thinker calls as background tasks, while the Responder keeps talking.
 * Every result (answer, failure or stale) is submitted as the call's function_call_output; it is
 * then spoken under three guards: not stale (no barge-in since it was asked), one response at a time
 * (the shared lock waits for the active response), and not stale again after that wait.
 */
export class ThinkerDispatcher extends EventEmitter<{
  started: [domain: Domain, query: string];
  done: [report: ThinkerReport];
  running: [domains: Domain[]];
}> {
  readonly #tasks = new Set<Task>();
  #closed = false;

  constructor(private readonly o: DispatcherOptions) {
    super();
    o.host.onFunctionCall((responseId, call) => this.#onCall(responseId, call));
  }

  get running(): Domain[] {
    return [...this.#tasks].map((t) => t.domain);
  }

  /** Hang-up: every running thinker is aborted (its HTTP requests too), every timer cleared. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#tasks) {
      for (const timer of t.timers) clearTimeout(timer);
      t.abort.abort(new Error('call ended'));
    }
  }

  #onCall(responseId: string, call: { callId: string; name: string; args: string }): void {
    if (this.#closed) return;
    if (call.name !== ROUTE_TOOL_NAME) {
      log.warn({ tool: call.name }, 'the Responder called an unknown tool');
      this.o.host.submitToolOutput(
        call.callId,
        JSON.stringify({ status: 'error', error: `unknown tool ${call.name}; use ${ROUTE_TOOL_NAME}` }),
      );
      return;
    }
    const req = parseRouteArgs(call.args);
    if (req.problem) log.warn({ problem: req.problem, domain: req.domain }, 'route_to_thinker arguments repaired');
    const task: Task = {
      callId: call.callId,
      domain: req.domain,
      query: req.query || "the caller's last question",
      epoch: this.o.host.interruptions,
      startedAt: Date.now(),
      abort: new AbortController(),
      timers: [],
    };
    this.#tasks.add(task);
    this.o.conversation.topic(task.domain);
    this.o.context.update({ topics: [task.domain] });
    this.emit('started', task.domain, task.query);
    this.emit('running', this.running);
    // The model usually says "let me check" with its tool call; if it only called the tool, ask it to.
    if (!this.o.host.responseHadAudio(responseId)) void this.#acknowledge(task);
    this.#armStillWorking(task);
    void this.#complete(task);
  }

  async #complete(task: Task): Promise<void> {
    const result = await this.#run(task);
    for (const timer of task.timers) clearTimeout(timer);
    this.#tasks.delete(task);
    this.emit('running', this.running);
    const ms = Date.now() - task.startedAt;
    const report = (outcome: ThinkerOutcome, error?: string) => {
      const r: ThinkerReport = {
        domain: task.domain,
        query: task.query,
        callId: task.callId,
        outcome,
        cached: result.ok && result.cached,
        ms,
        ...(error ? { error } : {}),
      };
      log.info(r, 'thinker finished');
      this.emit('done', r);
    };
    if (this.#closed || (!result.ok && result.cancelled)) return report('cancelled');

    // Always answer the tool call, so the conversation stays well-formed and the model knows.
    this.o.host.submitToolOutput(
      task.callId,
      JSON.stringify(
        result.ok
          ? { status: 'ok', domain: task.domain, answer: result.response }
          : { status: 'error', domain: task.domain, error: result.spoken },
      ),
    );
    if (this.#stale(task)) return report('stale', result.ok ? undefined : result.error);

    await this.#userQuiet();
    const instructions = result.ok
      ? PROMPTS.thinkerAnswer(task.domain, task.query, result.response)
      : PROMPTS.thinkerFailed(task.domain, result.spoken);
    const out = await this.o.host.say({ reason: result.ok ? 'thinker' : 'apology', instructions, isStale: () => this.#stale(task) });
    if (out.status === 'stale') return report('stale');
    if (out.status !== 'created') return report('unspoken', out.status === 'refused' ? out.error.message : out.status);
    // spoken means heard: a response that was created can still fail, or be talked over
    const ended = await this.o.host.responseEnded(out.responseId);
    if (ended === 'cancelled') return report('interrupted', result.ok ? undefined : result.error);
    if (ended !== 'completed') return report('unspoken', `the answer's response ${ended}`);
    report(result.ok ? 'spoken' : 'failed', result.ok ? undefined : result.error);
  }

  async #run(task: Task): Promise<RunResult> {
    const thinker = this.o.thinkers[task.domain];
    const input = { query: task.query, context: this.o.context.context, recent: await this.o.conversation.recent() };
    const key = ResultCache.key(task.domain, thinker.cacheScope(input), this.o.context.userId, task.query);
    if (thinker.cacheTtlS > 0) {
      const hit = await this.o.cache.get(key);
      if (hit) return { ok: true, response: hit.response, cached: true };
    }
    const budgetMs = thinker.timeoutMs * (this.o.timeoutScale ?? 1);
    const timeout = AbortSignal.timeout(budgetMs);
    try {
      const r = await thinker.run({ ...input, signal: AbortSignal.any([task.abort.signal, timeout]) });
      if (r.contextUpdate) await this.#applyContext(r.contextUpdate, task.domain);
      await this.o.cache.put(key, r.response, thinker.cacheTtlS);
      return { ok: true, response: r.response, cached: false };
    } catch (e) {
      const err = e as Error;
      if (task.abort.signal.aborted) return { ok: false, cancelled: true, spoken: '', error: 'cancelled' };
      if (timeout.aborted) return { ok: false, spoken: THINKER_FAILURE.timedOut, error: `timed out after ${budgetMs} ms` };
      if (err instanceof SpokenError) return { ok: false, spoken: err.spoken, error: err.message };
      log.warn({ err: err.message, domain: task.domain }, 'thinker failed');
      return { ok: false, spoken: THINKER_FAILURE.broke, error: err.message };
    }
  }

  /** A thinker's context update, with facts and the summary redacted before they are stored. */
  async #applyContext(u: ContextUpdate, domain: Domain): Promise<void> {
    const facts = u.facts
      ? await Promise.all(u.facts.map(async (f) => ({ text: (await this.o.redactor.redact(f.text)).text, source: domain })))
      : undefined;
    const summary = u.summary !== undefined ? (await this.o.redactor.redact(u.summary)).text : undefined;
    this.o.context.update({ ...u, ...(facts ? { facts } : {}), ...(summary !== undefined ? { summary } : {}) });
  }

  async #acknowledge(task: Task): Promise<void> {
    await this.o.host.say({
      reason: 'filler',
      instructions: PROMPTS.checking(task.domain),
      // pointless once the answer is in, or after a barge-in
      isStale: () => !this.#tasks.has(task) || this.#stale(task),
    });
  }

  /** "Still working": after a while, and then now and again, while the thinker runs and all is quiet. */
  #armStillWorking(task: Task): void {
    const { stillWorkingAfterMs: after, stillWorkingEveryMs: every } = this.o;
    if (after <= 0) return;
    const tick = (delay: number) => {
      task.timers.push(
        setTimeout(() => {
          if (!this.#tasks.has(task) || this.#closed) return;
          if (!this.o.host.agentBusy && !this.o.host.userSpeaking) {
            void this.o.host.say({
              reason: 'filler',
              instructions: PROMPTS.stillWorking(task.domain),
              isStale: () => !this.#tasks.has(task) || this.o.host.userSpeaking,
            });
          }
          if (every > 0) tick(every);
        }, delay),
      );
    };
    tick(after);
  }

  #stale(task: Task): boolean {
    return this.#closed || this.o.host.interruptions !== task.epoch;
  }

  /** Never start talking over the caller: wait (bounded) until they pause. */
  async #userQuiet(maxMs = 10_000): Promise<void> {
    if (!this.o.host.userSpeaking) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, maxMs);
      const off = this.o.host.onUserSpeaking((s) => !s && done());
      function done() {
        clearTimeout(t);
        off();
        resolve();
      }
    });
  }
}
