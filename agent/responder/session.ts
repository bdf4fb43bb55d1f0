import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { llm } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import type { AudioFrame } from '@livekit/rtc-node';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { ParleyConfig } from '../config/config.js';
import { log } from '../log.js';
import { ResponseActivity } from './activity.js';
import { RealtimeInput } from './input-audio.js';
import { ConversationOrder } from './conversation-order.js';
import { sendWithoutRetention } from './send-loop.js';
import { ResponseLock, type ResponseOutcome, type ResponseRequest } from './response-lock.js';

/** Server-side moments of a turn, as wall-clock ms (Date.now()), for the latency record. */
export interface ResponderEvents {
  /** The server acknowledged our commit (input_audio_buffer.committed). */
  committed: [at: number, itemId: string];
  /** response.created for a response (ours or the server's own in server-VAD mode). */
  'response-created': [responseId: string, at: number];
  /** First audio delta of a response. */
  'first-delta': [responseId: string, at: number];
  /** One chunk of the response's audio (24 kHz mono), in order, never for a dropped response. */
  audio: [responseId: string, messageId: string, frame: AudioFrame];
  /** The response's audio is complete. */
  'audio-end': [responseId: string];
  /**
   * response.done: status completed | cancelled | failed | incomplete, and for the last two why
   * (status_details.error.code, or the reason: max_output_tokens, content_filter).
   */
  'response-done': [responseId: string, status: string, at: number, detail: string | null];
  /** Server VAD (when it is on) heard the caller start / stop. */
  'server-speech-started': [at: number];
  'server-speech-stopped': [at: number];
  /**
   * A transcript line (caller's or agent's) of a conversation item, with the item's place in the
   * conversation: the caller's transcript can arrive after the answer to it, and `seq` puts it back.
   */
  transcript: [role: 'user' | 'agent', text: string, seq: number];
  /** The caller's words in an item could not be transcribed (the API's .failed): why. */
  'transcript-failed': [seq: number, code: string];
  /**
   * The plugin opened a new session. `planned`: it renewed an ageing session on purpose (after
   * renewAfterMs, having waited for the answer in progress to finish): nothing was lost. Otherwise
   * the socket dropped, and whatever was generating is gone.
   */
  reconnected: [lostResponseId: string | null, planned: boolean];
  /** The model called a tool (thinkers hang off this). */
  'function-call': [responseId: string, call: llm.FunctionCall];
  /**
   * A Realtime error the session survived (not named 'error': an EventEmitter throws an 'error'
   * nobody listens for, and that would kill the job).
   */
  'realtime-error': [error: Error];
  /** A fatal error ended the session for good (its code): the model will not answer again. */
  fatal: [code: string];
}

/** Errors after which the API (and the plugin, which closes its session) will not go on. */
const FATAL_CODES = new Set([
  'insufficient_quota',
  'invalid_api_key',
  'account_deactivated',
  'billing_hard_limit_reached',
  // a model the API does not serve (a misspelt PARLEY_REALTIME_MODEL): every reconnect is refused too
  'model_not_found',
]);
/**
 * Reconnections this close together mean the session cannot be opened at all: a dropped socket
 * reconnects once; the plugin retrying a refused session reconnects hundreds of times a second.
 */
const RECONNECT_STORM = { count: 5, withinMs: 10_000 };
/**
 * How much less than the audio we received the server may count for an answer (publicly reported:
 * a consistent ~85 ms). A truncate is kept this far inside what we received, so it is not refused.
 */
export const TRUNCATE_MARGIN_MS = 120;

function codeOf(e: unknown): string | undefined {
  const body = (e as { body?: { code?: unknown; type?: unknown } } | undefined)?.body;
  const c = body?.code ?? body?.type;
  return typeof c === 'string' && c ? c : undefined;
}

/**
 * The Responder: one OpenAI Realtime session in manual turn mode, driven by our turn controller.
 * It owns the plugin's RealtimeSession and exposes only what the pipeline needs: caller audio in,
 * commit, serialized response requests, cancel/truncate, and the response's audio out.
 */
export class ResponderSession extends EventEmitter<ResponderEvents> {
  readonly activity = new ResponseActivity();
  readonly #model: openai.realtime.RealtimeModel;
  readonly #session: openai.realtime.RealtimeSession;
  readonly #input: RealtimeInput;
  readonly #lock: ResponseLock;
  /** Responses whose audio we no longer want (barge-in, stale turn): late deltas are dropped. */
  readonly #dropped = new Set<string>();
  /**
   * Recent responses that carried audio (bounded): marks each response's first delta, and tells
   * whether a tool call came with its own spoken acknowledgement.
   */
  readonly #withAudio = new Set<string>();
  /** Audio received per recent answer (message id → ms), where a truncate must stay inside. */
  readonly #receivedMs = new Map<string, number>();
  /** When each recent response was created (server event time), for the turn record. */
  readonly #createdAt = new Map<string, number>();
  /** When the plugin reconnected lately (a storm of them is fatal). */
  readonly #reconnects: number[] = [];
  /** Where each message item sits in the conversation, for transcripts that arrive late. */
  readonly #order = new ConversationOrder();
  #closed = false;
  #fatal: string | null = null;
  /** The plugin is renewing the session on purpose (see the 'error' handler). */
  #renewing = false;
  /** Client events leave through our send loop (send-loop.ts), not the plugin's, which keeps them. */
  readonly #ownSendLoop: boolean;

  constructor(cfg: ParleyConfig, opts: { instructions?: string; tools?: llm.ToolContext } = {}) {
    super();
    const serverVad = cfg.vadMode !== 'local';
    const r = cfg.responder;
    this.#model = new openai.realtime.RealtimeModel({
      // renewed before the API ends a session (60 minutes), at a moment the plugin chooses well:
      // once the answer in progress is done
      maxSessionDuration: r.renewAfterMs,
      model: cfg.openai.realtimeModel,
      voice: cfg.openai.voice,
      baseURL: cfg.openai.baseURL,
      apiKey: cfg.openai.apiKey,
      // Explicit null: leaving turn_detection out keeps the server's VAD on.
      turnDetection: serverVad
        ? cfg.vadMode === 'semantic_vad'
          ? { type: 'semantic_vad', eagerness: r.semanticEagerness, create_response: true, interrupt_response: true }
          : {
              type: 'server_vad',
              threshold: r.serverVad.threshold,
              prefix_padding_ms: r.serverVad.prefixPaddingMs,
              silence_duration_ms: r.serverVad.silenceDurationMs,
              create_response: true,
              interrupt_response: true,
            }
        : null,
      inputAudioTranscription: { model: r.transcriptionModel },
    });
    this.#session = this.#model.session();
    this.#ownSendLoop = sendWithoutRetention(this.#session);
    this.#input = new RealtimeInput(this.#session);
    this.#lock = new ResponseLock(this.#session, this.activity, cfg.responseWaitTimeoutMs);

    // An unhandled 'error' on an EventEmitter throws and would kill the job.
    this.#session.on('error', (ev: llm.RealtimeModelError) => {
      // a fatal error ends the plugin's session for good: no later request would be answered
      if (!ev.recoverable) return this.#endForGood(codeOf(ev.error) ?? 'session_failed', ev.error?.message);
      // Plugin 1.9 renews a session by ending it with this error once maxSessionDuration has passed
      // (realtime_model.js, waitReconnectTask); a dropped socket says "connection closed" instead.
      if (ev.error?.message === 'OpenAI Realtime API connection timeout') {
        this.#renewing = true;
        log.info({ afterMs: r.renewAfterMs }, 'realtime session renewal');
        return;
      }
      // a truncate past the server's own count of the audio (it can run ~85 ms short of what we
      // received): the item stays whole, which is what the caller heard anyway
      if (/already shorter than/.test(ev.error?.message ?? '')) {
        log.info({ err: ev.error?.message }, 'truncate beyond the audio the server counts: the answer is left whole');
        return;
      }
      log.warn({ err: ev.error?.message }, 'realtime error');
      this.emit('realtime-error', ev.error ?? new Error('realtime error'));
    });
    this.#session.on('openai_server_event_received', (ev: RealtimeServerEvent) => this.#onServerEvent(ev));
    this.#session.on('generation_created', (ev: llm.GenerationCreatedEvent) => void this.#consume(ev));
    this.#session.on('session_reconnected', () => {
      // a session that cannot be opened (the API refusing it at once, e.g. an unknown model) makes
      // plugin 1.9 reconnect in a tight loop, hundreds a second: that is the end, not a blip
      if (this.#fatal) return;
      const now = Date.now();
      this.#reconnects.push(now);
      while (this.#reconnects[0]! < now - RECONNECT_STORM.withinMs) this.#reconnects.shift();
      if (this.#reconnects.length >= RECONNECT_STORM.count) {
        this.#endForGood('realtime_unavailable', `${this.#reconnects.length} reconnects within ${RECONNECT_STORM.withinMs / 1000} s`);
        void this.#session.close().catch(() => {});
        return;
      }
      // Plugin 1.9 quirk: the dropped socket's send loop leaves a pending read on the outgoing queue,
      // which swallows the first event queued after the reconnect (a response.create sent then
      // would never leave, and time out). Feed that stale reader a harmless event first: clearing
      // the new session's input buffer, which is empty anyway. Our own send loop leaves no read
      // behind, so it needs none.
      if (!this.#ownSendLoop) this.#session.sendEvent({ type: 'input_audio_buffer.clear' });
      const lost = this.activity.activeId;
      const planned = this.#renewing && lost === null;
      this.#renewing = false;
      this.activity.reset();
      this.emit('reconnected', lost, planned);
    });
    void this.#session.updateInstructions(opts.instructions ?? cfg.instructions);
    if (opts.tools) void this.#session.updateTools(opts.tools);
  }

  /** Caller audio (16 kHz mono) from the gate, pre-roll first. */
  pushAudio(samples: Int16Array): void {
    if (!this.#closed) this.#input.push(samples);
  }

  /**
   * Ends the caller's turn: every sample so far goes into the buffer, then `input_audio_buffer.commit`.
   * Returns false when there was too little audio to commit (the API refuses < 100 ms).
   */
  async commit(): Promise<boolean> {
    const ms = this.#input.sealUtterance();
    if (ms <= 100) {
      await this.#session.clearAudio();
      return false;
    }
    await this.#session.commitAudio();
    return true;
  }

  /**
   * Drops the caller's turn instead of committing it (it was the agent's own voice coming back):
   * the utterance's last samples go in as for a commit, then `input_audio_buffer.clear` empties
   * the buffer, so nothing of it reaches the conversation and the next turn starts clean.
   */
  async clear(): Promise<void> {
    this.#input.sealUtterance();
    await this.#session.clearAudio();
  }

  /** Asks for a response through the one lock every `response.create` caller shares. */
  requestResponse(req: ResponseRequest): Promise<ResponseOutcome> {
    // the session is gone: answering at once beats the plugin's 10 s wait for a response that never comes
    if (this.#fatal)
      return Promise.resolve({
        status: 'refused',
        error: Object.assign(new Error(`the Realtime session has ended: ${this.#fatal}`), { code: this.#fatal }),
        waitedMs: 0,
      });
    return this.#lock.request(req);
  }

  /** The code of the fatal error that ended the session (insufficient_quota, invalid_api_key…), or null. */
  get fatal(): string | null {
    return this.#fatal;
  }

  #endForGood(code: string, message?: string): void {
    if (this.#fatal) return;
    this.#fatal = code;
    log.error({ code, err: message }, 'the Realtime session ended for good: the call cannot go on');
    this.emit('fatal', code);
  }

  /** Stops a response: no more of its audio reaches the pacer, and the server cancels it. */
  async cancel(responseId: string | null): Promise<void> {
    if (responseId) this.#dropped.add(responseId);
    if (this.activity.active) await this.#session.interrupt();
  }

  /**
   * Tells the server how much of an answer the caller actually heard. Returns the position sent,
   * or null when nothing needed truncating (the caller heard all the audio there was). The
   * server's count of an item's audio can run short of the bytes received, so a position near the
   * end is kept TRUNCATE_MARGIN_MS inside what was received, where the server accepts it.
   */
  async truncate(messageId: string, playedMs: number): Promise<number | null> {
    const received = this.#receivedMs.get(messageId);
    if (received !== undefined && playedMs >= received) return null;
    const end = received === undefined ? playedMs : Math.min(playedMs, Math.max(0, received - TRUNCATE_MARGIN_MS));
    await this.#session.truncate({ messageId, audioEndMs: end, modalities: ['audio', 'text'] });
    return end;
  }

  /** Wall time of a response's response.created, if it was seen. */
  createdAt(responseId: string): number | undefined {
    return this.#createdAt.get(responseId);
  }

  /** True when the response produced audio (the model spoke, e.g. "let me check", with its tool call). */
  responseHadAudio(responseId: string): boolean {
    return this.#withAudio.has(responseId);
  }

  /**
   * Puts a tool's result into the conversation (`function_call_output`). It does not ask for a
   * response: speaking it is the caller's decision, under the response lock and its guards.
   */
  submitToolOutput(callId: string, output: string): void {
    if (this.#closed) return;
    this.#session.sendEvent({
      type: 'conversation.item.create',
      item: { id: `fco_${randomBytes(12).toString('hex')}`, type: 'function_call_output', call_id: callId, output },
    });
  }

  /**
   * Puts a line of the caller's into the conversation as text (the keys they pressed): the model
   * sees it as the caller's. It does not ask for a response.
   */
  addCallerText(text: string): void {
    if (this.#closed) return;
    this.#session.sendEvent({
      type: 'conversation.item.create',
      item: { id: `msg_${randomBytes(12).toString('hex')}`, type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    });
  }

  async updateInstructions(instructions: string): Promise<void> {
    await this.#session.updateInstructions(instructions);
  }

  get realtime(): openai.realtime.RealtimeSession {
    return this.#session;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#input.close();
    // at hang-up a socket already gone is expected; anything else is worth a line
    await this.#session.close().catch((e: Error) => log.debug({ err: e.message }, 'realtime session close failed'));
    await this.#model.close().catch((e: Error) => log.debug({ err: e.message }, 'realtime model close failed'));
    this.removeAllListeners();
  }

  #onServerEvent(ev: RealtimeServerEvent): void {
    const now = Date.now();
    switch (ev.type) {
      case 'input_audio_buffer.committed':
        this.#order.place(ev.item_id);
        this.emit('committed', now, ev.item_id);
        break;
      case 'conversation.item.added':
        if (ev.item.type === 'message' && ev.item.id) this.#order.place(ev.item.id);
        break;
      case 'response.created':
        if (ev.response.id) {
          this.activity.onCreated(ev.response.id);
          this.#createdAt.set(ev.response.id, now);
          if (this.#createdAt.size > 64) this.#createdAt.delete(this.#createdAt.keys().next().value!);
          this.emit('response-created', ev.response.id, now);
        }
        break;
      case 'response.output_audio.delta':
        if (!this.#withAudio.has(ev.response_id)) {
          this.#withAudio.add(ev.response_id);
          if (this.#withAudio.size > 64) this.#withAudio.delete(this.#withAudio.values().next().value!);
          this.emit('first-delta', ev.response_id, now);
        }
        break;
      case 'response.done': {
        const { id, status, status_details: d } = ev.response;
        if (!id) break;
        this.activity.onDone(id);
        // known before the turn controller hears of the failure, so it asks nothing of a dead session
        const code = d?.error?.code ?? d?.error?.type;
        if (status === 'failed' && code && FATAL_CODES.has(code)) this.#endForGood(code, 'the response failed');
        this.emit('response-done', id, status ?? 'completed', now, code ?? d?.reason ?? null);
        break;
      }
      case 'error': {
        const code = ev.error.code ?? ev.error.type;
        if (FATAL_CODES.has(code)) this.#endForGood(code, ev.error.message);
        break;
      }
      case 'input_audio_buffer.speech_started':
        this.emit('server-speech-started', now);
        break;
      case 'input_audio_buffer.speech_stopped':
        this.emit('server-speech-stopped', now);
        break;
      case 'conversation.item.input_audio_transcription.completed':
        if (ev.transcript) this.emit('transcript', 'user', ev.transcript, this.#order.seqOf(ev.item_id));
        this.#order.forget(ev.item_id);
        break;
      case 'conversation.item.input_audio_transcription.failed':
        this.emit('transcript-failed', this.#order.seqOf(ev.item_id), ev.error.code ?? ev.error.type ?? 'transcription_failed');
        this.#order.forget(ev.item_id);
        break;
      case 'response.output_audio_transcript.done':
        if (ev.transcript) this.emit('transcript', 'agent', ev.transcript, this.#order.seqOf(ev.item_id));
        this.#order.forget(ev.item_id);
        break;
    }
  }

  #received(messageId: string, ms: number): void {
    const had = this.#receivedMs.get(messageId);
    if (had === undefined && this.#receivedMs.size >= 64) this.#receivedMs.delete(this.#receivedMs.keys().next().value!);
    this.#receivedMs.set(messageId, (had ?? 0) + ms);
  }

  /** Moves a generation's audio to our listeners, dropping everything of a dropped response. */
  async #consume(ev: llm.GenerationCreatedEvent): Promise<void> {
    const responseId = ev.responseId ?? '';
    try {
      void (async () => {
        for await (const call of ev.functionStream) this.emit('function-call', responseId, call);
      })().catch((e: Error) => log.warn({ err: e.message, responseId }, 'function-call stream failed'));
      for await (const message of ev.messageStream) {
        // transcripts arrive as server events; the text stream is drained so its channel never backs up
        void (async () => {
          for await (const _ of message.textStream) void _;
        })().catch((e: Error) => log.debug({ err: e.message, responseId }, 'text stream failed'));
        for await (const frame of message.audioStream) {
          this.#received(message.messageId, (frame.samplesPerChannel / frame.sampleRate) * 1000);
          if (this.#dropped.has(responseId) || this.#closed) continue;
          this.emit('audio', responseId, message.messageId, frame);
        }
      }
    } catch (e) {
      log.warn({ err: (e as Error).message, responseId }, 'generation stream ended with an error');
    } finally {
      if (!this.#dropped.has(responseId)) this.emit('audio-end', responseId);
      this.#dropped.delete(responseId);
    }
  }
}
