import { EventEmitter } from 'node:events';
import { getHeapSpaceStatistics } from 'node:v8';
import type { VadMode } from '../config/config.js';
import { log } from '../log.js';
import { PROMPTS } from '../prompts.js';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';
import type { ResponderSession } from '../responder/session.js';
import type { GateEvent } from '../vad/types.js';
import type { LoopDelayMonitor } from '../metrics/loop-delay.js';
import { newTurn, type TurnRecord, type Transport, type TurnStatus } from '../metrics/record.js';
import type { TurnSink } from '../metrics/recorder.js';

/** What the controller needs of the pacer (agent/pacer) that plays the answer into the room. */
export interface Playback {
  push(responseId: string, pcm: Int16Array): void;
  /** The response's audio is complete: play the tail, then report it drained. */
  end(responseId: string): void;
  /** Stop at once: drop everything queued, here and in the room's AudioSource. */
  flush(): void;
  /** Ms of this response the caller has actually heard. */
  playedMs(responseId: string): number;
  /** Anything queued or still playing. */
  readonly busy: boolean;
  on(ev: 'first-frame', fn: (responseId: string, at: number) => void): unknown;
  on(ev: 'drained', fn: (responseId: string) => void): unknown;
  on(ev: 'underrun', fn: (responseId: string) => void): unknown;
}

/** The Responder as the controller sees it (ResponderSession implements it). */
export type Responder = Pick<
  ResponderSession,
  'pushAudio' | 'commit' | 'clear' | 'requestResponse' | 'cancel' | 'truncate' | 'activity' | 'on' | 'createdAt' | 'fatal'
>;

/**
 * What the controller needs of the echo detector (agent/audio/echo.ts): the caller turn's audio as
 * the gate forwards it, and at its end whether it was the agent's own voice coming back.
 */
export interface EchoCheck {
  beginTurn(preRoll: Int16Array): void;
  turnAudio(samples: Int16Array): void;
  judge(endAt: number, speechMs: number): { echo: boolean; score: number | null; lagMs: number | null; knownPath: boolean };
}

export interface TurnControllerOptions {
  responder: Responder;
  playback: Playback;
  recorder: TurnSink;
  loopDelay: LoopDelayMonitor;
  vadMode: VadMode;
  transport: Transport;
  callId: string;
  room: string;
  /** Local VAD mode: turns that are the agent's echo are cleared, not answered. None: every turn is answered. */
  echo?: EchoCheck;
}

export interface TurnControllerEvents {
  /** A turn record was finished (also sent to the recorder). */
  turn: [record: TurnRecord];
  /** The caller started speaking over the agent. */
  'barge-in': [responseId: string, playedMs: number];
  /**
   * Caller started / stopped an utterance (for UI state and idle timers). `echo` on the stop: the
   * utterance was the agent's own voice coming back, not the caller (nothing was answered).
   */
  'user-speaking': [speaking: boolean, echo: boolean];
  'agent-speaking': [speaking: boolean];
  /** A response ended for the caller: played out, talked over, or failed (every response, not only turns). */
  'response-ended': [responseId: string, status: TurnStatus];
  /** The call is over: nothing more will end. */
  closed: [];
}

/**
 * Turns gate events into Realtime actions and turn records:
 *  speech-start → (barge-in if the agent is answering) → the utterance's audio, pre-roll first
 *  speech-end   → commit at once → response.create through the shared lock (local VAD mode)
 * In server-VAD mode the gate is a passive observer: it only timestamps the caller's speech end,
 * so both modes are measured from the same anchor.
 */
export class TurnController extends EventEmitter<TurnControllerEvents> {
  /** Bumped at every utterance onset: a response requested for an older turn is stale. */
  #generation = 0;
  #turnCount = 0;
  #completedTurns = 0;
  /** The utterance being spoken now (or last spoken, until the next onset). */
  #speaking: TurnRecord | null = null;
  /** Records waiting for their response to finish, by response id. */
  readonly #byResponse = new Map<string, TurnRecord>();
  /** The response whose audio the caller hears (or is about to), with its conversation item. */
  #playing: { responseId: string; messageId: string } | null = null;
  /** Responses we cancelled: their audio is dropped if any still arrives. */
  readonly #cancelled = new Set<string>();
  /** Turns that ended but have no response yet (waiting for the lock, or for server VAD). */
  readonly #awaitingResponse: TurnRecord[] = [];
  /** The turn whose commit is on its way (local mode). */
  #committing: TurnRecord | null = null;
  /** Recent responses whose audio went to playback (bounded): those end when it has drained. */
  readonly #played = new Set<string>();
  /** How recent responses ended (bounded), for responseEnded() asked after the fact. */
  readonly #ended = new Map<string, TurnStatus>();
  /** Barge-ins so far: a thinker result requested before the latest one is stale. */
  #interruptions = 0;
  #onsetInputLateMaxMs = 0;
  #userSpeaking = false;
  #closed = false;

  constructor(private readonly o: TurnControllerOptions) {
    super();
    const r = o.responder;
    r.on('committed', (at) => {
      // local mode: the commit we sent; server mode: the server's own commit of the turn that ended
      const t = o.vadMode === 'local' ? this.#committing : this.#awaitingResponse.at(-1);
      if (t && t.commitAckAt === null) t.commitAckAt = at;
    });
    // In local mode a turn learns its response id from its own request (the lock's outcome), so a
    // nudge or apology created meanwhile is never mistaken for it. In server-VAD mode the server
    // creates the turn's response itself: the oldest turn still waiting gets it.
    r.on('response-created', (id, at) => {
      if (o.vadMode === 'local') return;
      // the server may end its turn before our gate does (its silence rule shorter than our hangover)
      const s = this.#speaking;
      const t = this.#awaitingResponse[0] ?? (s && s.endDetectedAt !== null && s.responseId === null ? s : undefined);
      if (t) this.#attach(t, id, at);
    });
    r.on('first-delta', (id, at) => {
      const t = this.#byResponse.get(id);
      if (t && t.firstDeltaAt === null) t.firstDeltaAt = at;
    });
    r.on('audio', (id, messageId, frame) => {
      if (this.#cancelled.has(id) || this.#closed) return;
      if (this.#playing?.responseId !== id) {
        this.#playing = { responseId: id, messageId };
        this.#played.add(id);
        if (this.#played.size > 64) this.#played.delete(this.#played.values().next().value!);
        this.emit('agent-speaking', true);
      }
      o.playback.push(id, frame.data);
    });
    r.on('audio-end', (id) => {
      if (!this.#cancelled.has(id)) o.playback.end(id);
    });
    r.on('response-done', (id, status, at, detail) => this.#onResponseDone(id, status, at, detail));
    r.on('reconnected', (lost, planned) => this.#onReconnected(lost, planned));
    r.on('server-speech-stopped', (at) => {
      if (o.vadMode === 'local') return;
      const t = this.#speaking;
      if (t && t.endDetectedAt === null) t.endDetectedAt = at;
    });
    o.playback.on('first-frame', (id, at) => {
      const t = this.#byResponse.get(id);
      if (t && t.firstFrameAt === null) t.firstFrameAt = at;
    });
    o.playback.on('underrun', (id) => {
      const t = this.#byResponse.get(id);
      if (t) t.underruns++;
    });
    o.playback.on('drained', (id) => this.#onDrained(id));
  }

  /**
   * Feed one gate event. `wallOf` maps the gate's stream time to wall-clock ms (the pipeline knows
   * when each hop arrived); `inputLateMs`, how far behind the audio's own pace that hop was read
   * (a stalled loop reads the caller's onset late, and a barge-in with it).
   */
  onGateEvent(ev: GateEvent, wallOf: (streamMs: number) => number, inputLateMs = 0): void {
    if (this.#closed) return;
    switch (ev.type) {
      case 'speech-start':
        this.#onSpeechStart(wallOf(ev.onsetMs), inputLateMs);
        if (this.o.vadMode === 'local') {
          this.o.responder.pushAudio(ev.preRoll);
          this.o.echo?.beginTurn(ev.preRoll);
        }
        break;
      case 'speech-audio':
        if (this.o.vadMode === 'local') {
          this.o.responder.pushAudio(ev.samples);
          this.o.echo?.turnAudio(ev.samples);
        }
        break;
      case 'speech-end':
        // the turn's audio ends with this hop: where its envelope ends on the wall clock
        void this.#onSpeechEnd(wallOf(ev.lastVoicedMs), wallOf(ev.atMs));
        break;
      case 'probability':
        break;
    }
  }

  /**
   * Server-VAD mode: every hop of caller audio goes to the server (its VAD needs the silences too).
   * In local mode only the gate's utterances are sent, so silence is never streamed.
   */
  onRawAudio(samples: Int16Array): void {
    if (this.o.vadMode !== 'local' && !this.#closed) this.o.responder.pushAudio(samples);
  }

  /** Asks for a response outside a caller turn (nudge, goodbye, apology, thinker result). */
  async say(req: ResponseRequest): Promise<ResponseOutcome> {
    return this.o.responder.requestResponse(req);
  }

  get agentBusy(): boolean {
    return this.o.playback.busy || this.o.responder.activity.active;
  }

  /** Turns whose answer played out. */
  get completedTurns(): number {
    return this.#completedTurns;
  }

  /** Caller turns so far. */
  get turnCount(): number {
    return this.#turnCount;
  }

  /** Current turn generation (bumped at every utterance onset). */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Bumped at every barge-in. Thinkers capture it: a result asked for before the caller cut the
   * agent off is stale (submitted to the conversation, not spoken). A caller who merely speaks
   * again while a thinker works still wants the answer.
   */
  get interruptions(): number {
    return this.#interruptions;
  }

  /** The latest any turn's onset was read behind the caller audio's pace (TurnRecord.onsetInputLateMs), ms. */
  get onsetInputLateMaxMs(): number {
    return this.#onsetInputLateMaxMs;
  }

  get userSpeaking(): boolean {
    return this.#userSpeaking;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of new Set([...this.#byResponse.values(), ...this.#awaitingResponse])) {
      this.#finish(t, t.status === 'completed' ? 'cancelled' : t.status);
    }
    this.#byResponse.clear();
    this.#awaitingResponse.length = 0;
    this.emit('closed');
  }

  #onSpeechStart(at: number, inputLateMs: number): void {
    this.#generation++;
    this.#userSpeaking = true;
    this.emit('user-speaking', true, false);
    // Speech while the agent answers, or while an answer is on its way: that answer is obsolete.
    if (this.agentBusy) this.#interruptAgent();
    // Server-VAD mode: the server's turns are the turns. Our gate may end an utterance at a pause
    // the server's longer silence rule bridges; speech again before the server has ended its turn
    // is the same turn, not a new one (else every later answer is paired with the wrong question).
    const open = this.o.vadMode === 'local' ? undefined : this.#awaitingResponse.at(-1);
    if (open && open.endDetectedAt === null && open.responseId === null) {
      this.#removeAwaiting(open);
      open.speechEndAt = null;
      this.#speaking = open;
      return;
    }
    const t = newTurn({
      callId: this.o.callId,
      room: this.o.room,
      turn: ++this.#turnCount,
      transport: this.o.transport,
      vadMode: this.o.vadMode,
    });
    t.speechStartAt = at;
    t.onsetInputLateMs = Math.round(inputLateMs);
    this.#onsetInputLateMaxMs = Math.max(this.#onsetInputLateMaxMs, t.onsetInputLateMs);
    this.#speaking = t;
  }

  /** Barge-in: silence the agent first (what the caller hears), then tell the server. */
  #interruptAgent(): void {
    this.#interruptions++;
    const playing = this.#playing;
    const active = this.o.responder.activity.activeId;
    let heard = 0;
    if (playing) {
      heard = this.o.playback.playedMs(playing.responseId);
      this.#cancelled.add(playing.responseId);
    }
    this.o.playback.flush();
    if (active) this.#cancelled.add(active);
    void this.o.responder
      .cancel(active ?? playing?.responseId ?? null)
      .catch((e: Error) => log.warn({ err: e.message, responseId: active ?? playing?.responseId }, 'cancel at barge-in failed'));
    if (playing) {
      const t = this.#byResponse.get(playing.responseId);
      if (t) {
        t.bargeIn = true;
        t.bargeInAt = Date.now();
        t.heardMs = heard;
      }
      // a failed truncate leaves the model believing the caller heard the whole answer: say so
      if (heard > 0) {
        void this.o.responder
          .truncate(playing.messageId, heard)
          .catch((e: Error) => log.warn({ err: e.message, itemId: playing.messageId, heardMs: heard }, 'truncate at barge-in failed'));
      }
      this.emit('barge-in', playing.responseId, heard);
      // The playing answer already finished server-side (only its tail was playing), so no
      // response.done will come for it: finish it (and its turn, if it is one) now. Whether it is
      // the active response is what counts, not whether any is: a later filler or thinker line
      // may be active meanwhile.
      if (this.o.responder.activity.activeId !== playing.responseId) this.#finishResponse(playing.responseId, 'cancelled');
    }
    this.#playing = null;
    this.emit('agent-speaking', false);
  }

  async #onSpeechEnd(speechEndAt: number, audioEndAt: number): Promise<void> {
    const t = this.#speaking;
    this.#userSpeaking = false;
    // (server-VAD mode: the server commits its own turns, so an echo could not be held back)
    const local = this.o.vadMode === 'local';
    const verdict = t && local ? this.o.echo?.judge(audioEndAt, speechEndAt - (t.speechStartAt ?? speechEndAt)) : undefined;
    this.emit('user-speaking', false, verdict?.echo === true);
    if (!t) return;
    t.speechEndAt = speechEndAt;
    if (!local) {
      // passive observer: the server decides the turn; we only anchor the measurement
      if (t.responseId === null) this.#awaitingResponse.push(t);
      return;
    }
    t.endDetectedAt = Date.now();
    // how near the turn came to the agent's own output, echo or not (tuning the threshold needs both)
    if (verdict && verdict.score !== null) t.echo = { score: verdict.score, lagMs: verdict.lagMs };
    if (verdict?.echo) {
      // the agent hearing itself (a speakerphone without echo cancellation, lk's echo participant):
      // answering would have it talk to itself for ever, so the turn is dropped from the input
      log.info(
        { turn: t.turn, score: verdict.score, lagMs: verdict.lagMs, knownPath: verdict.knownPath },
        "the caller's turn is the agent's own echo: cleared, not answered",
      );
      await this.o.responder
        .clear()
        .catch((e: Error) => log.warn({ err: e.message, turn: t.turn }, 'clearing an echo turn from the input failed'));
      this.#finish(t, 'echo');
      return;
    }
    t.commitSentAt = Date.now();
    this.#committing = t;
    const committed = await this.o.responder.commit();
    if (!committed) {
      this.#finish(t, 'empty');
      return;
    }
    const gen = this.#generation;
    this.#awaitingResponse.push(t);
    t.responseRequestedAt = Date.now();
    const outcome = await this.o.responder.requestResponse({ reason: 'turn', isStale: () => this.#generation !== gen });
    if (outcome.status !== 'created') {
      if (outcome.status === 'refused') t.errorCode = (outcome.error as Error & { code?: string }).code ?? 'refused';
      this.#removeAwaiting(t);
      this.#finish(t, outcome.status);
      if (outcome.status === 'refused') log.warn({ err: outcome.error.message, turn: t.turn }, 'response refused');
      return;
    }
    const created = this.o.responder.createdAt(outcome.responseId) ?? Date.now();
    this.#attach(t, outcome.responseId, created);
    // spoke again while the response was being created: it is already stale
    if (this.#generation !== gen) {
      this.#cancelled.add(outcome.responseId);
      void this.o.responder
        .cancel(outcome.responseId)
        .catch((e: Error) => log.warn({ err: e.message, responseId: outcome.responseId }, 'cancel of a stale response failed'));
    }
  }

  #attach(t: TurnRecord, responseId: string, at: number): void {
    this.#removeAwaiting(t);
    t.responseId = responseId;
    t.responseCreatedAt ??= at;
    this.#byResponse.set(responseId, t);
  }

  #onResponseDone(responseId: string, status: string, at: number, detail: string | null = null): void {
    const t = this.#byResponse.get(responseId);
    if (t) t.responseDoneAt = at;
    if (this.#cancelled.has(responseId) || status === 'cancelled') {
      this.#finishResponse(responseId, 'cancelled');
    } else if (status === 'failed' || status === 'incomplete') {
      if (t) t.errorCode = detail ?? status;
      this.#finishResponse(responseId, 'failed');
      // the caller's question got no answer, or half of one: say so rather than fall silent (a
      // failed apology, filler or thinker line is not apologised for: that could go on forever)
      // (after a fatal error the model is gone: the call ends with a recorded line instead, job.ts)
      if (t && !this.o.responder.fatal) {
        log.warn({ turn: t.turn, status, code: t.errorCode }, 'answer failed: apologising');
        void this.say({ reason: 'apology', instructions: PROMPTS.answerFailed }).then((o) =>
          log.info({ outcome: o.status, err: o.status === 'refused' ? o.error.message : undefined }, 'apology after a failed answer'),
        );
      }
    } else if (!this.#played.has(responseId)) {
      // a completed response without audio (e.g. only a tool call): nothing will drain
      this.#finishResponse(responseId, 'completed');
    }
    // completed with audio: finished when the pacer has played the tail (#onDrained)
  }

  #onDrained(responseId: string): void {
    if (this.#playing?.responseId === responseId) {
      this.#playing = null;
      this.emit('agent-speaking', false);
    }
    this.#finishResponse(responseId, this.#cancelled.has(responseId) ? 'cancelled' : 'completed');
  }

  #onReconnected(lost: string | null, planned = false): void {
    // A renewal on purpose waited for the answer in progress to finish: the caller hears the rest
    // of it, and nothing needs saying. The conversation goes on in the new session (the plugin
    // carries it over).
    if (planned) {
      log.info('realtime session renewed; the call goes on');
      return;
    }
    // The socket dropped mid-answer: what was generating is gone. Stop it, and say so briefly.
    // An answer already generated but still playing is cut off too, and no drained will come for
    // it after the flush: finish it here.
    const playing = this.#playing;
    if (playing) this.o.playback.flush();
    this.#playing = null;
    if (playing && playing.responseId !== lost) this.#finishResponse(playing.responseId, 'failed');
    if (lost) this.#finishResponse(lost, 'failed');
    const waiting = this.#awaitingResponse.splice(0);
    for (const t of waiting) this.#finish(t, 'failed');
    // nothing was playing, generating or awaited: the caller missed nothing, so nothing is said
    // (a session that cannot be opened reconnects many times before it is declared gone)
    if (!playing && !lost && waiting.length === 0) {
      log.info('realtime session reconnected while idle; nothing was lost');
      return;
    }
    void this.say({
      reason: 'apology',
      instructions: PROMPTS.lineDropped,
    }).then((o) =>
      log.info({ outcome: o.status, err: o.status === 'refused' ? o.error.message : undefined }, 'apology after a dropped Realtime socket'),
    );
  }

  #finishResponse(responseId: string, status: TurnStatus): void {
    const t = this.#byResponse.get(responseId);
    this.#byResponse.delete(responseId);
    this.#cancelled.delete(responseId);
    if (t) this.#finish(t, status);
    this.#ended.set(responseId, status);
    if (this.#ended.size > 64) this.#ended.delete(this.#ended.keys().next().value!);
    this.emit('response-ended', responseId, status);
  }

  /**
   * How a response ended for the caller (see 'response-ended'), waiting for it if it has not yet;
   * 'unknown' when nothing is heard of it within `maxWaitMs` (or the call closes first).
   */
  responseEnded(responseId: string, maxWaitMs = 120_000): Promise<TurnStatus | 'unknown'> {
    const known = this.#ended.get(responseId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const done = (status: TurnStatus | 'unknown') => {
        clearTimeout(timer);
        this.off('response-ended', onEnded);
        this.off('closed', onClosed);
        resolve(status);
      };
      const onEnded = (id: string, status: TurnStatus) => id === responseId && done(status);
      const onClosed = () => done('unknown');
      const timer = setTimeout(() => done('unknown'), maxWaitMs);
      this.on('response-ended', onEnded);
      this.on('closed', onClosed);
    });
  }

  #finish(t: TurnRecord, status: TurnStatus): void {
    t.status = status;
    if (status === 'completed') this.#completedTurns++;
    const d = this.o.loopDelay.take();
    t.eventLoopP99Ms = Math.round(d.p99Ms * 100) / 100;
    t.eventLoopMaxMs = Math.round(d.maxMs * 100) / 100;
    const m = process.memoryUsage();
    const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
    t.memoryMb = {
      rss: mb(m.rss),
      heapTotal: mb(m.heapTotal),
      heapUsed: mb(m.heapUsed),
      external: mb(m.external),
      arrayBuffers: mb(m.arrayBuffers),
    };
    for (const sp of getHeapSpaceStatistics()) {
      if (sp.space_name === 'new_space') t.memoryMb.newSpace = mb(sp.space_size);
      if (sp.space_name === 'old_space') t.memoryMb.oldSpace = mb(sp.space_size);
    }
    this.o.recorder.record(t);
    this.emit('turn', t);
  }

  #removeAwaiting(t: TurnRecord): void {
    const i = this.#awaitingResponse.indexOf(t);
    if (i >= 0) this.#awaitingResponse.splice(i, 1);
  }
}
