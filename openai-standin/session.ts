import type { WebSocket } from 'ws';
import type { ConversationItem, RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';
import { concatPcm } from '../agent/audio/pcm.js';
import { PEER_SAMPLE_RATE, type Speech } from '../speech/espeak.js';
import { Conversation } from './conversation.js';
import { type ClientEvent, type ClientEventOf, type ClientEventType, documentedNull, newId, type ServerEvent } from './events.js';
import type { RealtimeSchemas } from './protocol/schemas.js';
import { ResponseStream, type StandinResponse } from './response-stream.js';
import type { ResponsePlan, ScriptRunner } from './script.js';
import { EnergyVad, type TurnDetection } from './server-vad.js';
import { InputTranscription } from './transcription.js';
import { WanDirection, type WanOptions } from './wan.js';

export interface SessionOptions {
  /** OpenAI's event schemas (null: nothing is checked). */
  schemas?: RealtimeSchemas | null;
  /** Age at which the session is ended, as the API ends one at 60 minutes. */
  maxAgeMs?: number;
  /** Round trip and jitter between the client and this "API". */
  wan?: WanOptions;
}

export interface SessionHooks {
  onClientEvent(s: StandinSession, e: ClientEvent): void;
  onResponse(r: StandinResponse): void;
  /** A client event refused by OpenAI's schema, or one of ours the API would never send. */
  onSchemaFailure?(s: StandinSession, direction: 'client' | 'server', type: string, problems: string[]): void;
}

/** The voices the API offers (a custom voice is an object `{ id }`); any other name is refused. */
export const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];
/**
 * The Realtime models the API serves (the `openai` package's list, 6.49). With any other the
 * session opens, and every response fails with `model_not_found` (response.created, then
 * response.done failed with output []), as reported publicly against the API
 * (openai/openai-realtime-console#561): what a misspelt PARLEY_REALTIME_MODEL meets in production.
 */
export const REALTIME_MODELS = new Set([
  'gpt-realtime',
  'gpt-realtime-1.5',
  'gpt-realtime-2',
  'gpt-realtime-2.1',
  'gpt-realtime-2.1-mini',
  'gpt-realtime-2025-08-28',
  'gpt-realtime-mini',
  'gpt-realtime-mini-2025-10-06',
  'gpt-realtime-mini-2025-12-15',
  'gpt-4o-realtime-preview',
  'gpt-4o-realtime-preview-2024-10-01',
  'gpt-4o-realtime-preview-2024-12-17',
  'gpt-4o-realtime-preview-2025-06-03',
  'gpt-4o-mini-realtime-preview',
  'gpt-4o-mini-realtime-preview-2024-12-17',
]);

const MIN_COMMIT_MS = 100;

type SessionConfig = RealtimeSessionCreateRequest & { id: string; object: 'realtime.session'; expires_at: number };
type Handlers = { [K in ClientEventType]?: (e: ClientEventOf<K>) => void };

/**
 * One Realtime session as the API keeps it: the session's configuration, the input audio buffer,
 * the conversation, one response at a time, transcription of what the caller said, and server VAD
 * when it is on. Client events are checked against OpenAI's schemas and refused as the API refuses
 * them; what the stand-in sends is checked too.
 */
export class StandinSession {
  readonly id = newId('sess');
  /**
   * The session as the API starts it, before any session.update: its documented defaults (server
   * VAD on, no transcription). Parley's own choices are in its configuration (agent/config) and
   * arrive here in the client's session.update, as they would at OpenAI.
   */
  #config: SessionConfig = {
    type: 'realtime',
    object: 'realtime.session',
    id: this.id,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    model: 'gpt-realtime',
    output_modalities: ['audio'],
    instructions: '',
    tools: [],
    tool_choice: 'auto',
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: PEER_SAMPLE_RATE },
        turn_detection: {
          type: 'server_vad',
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: 500,
          create_response: true,
          interrupt_response: true,
        },
        transcription: documentedNull(), // off until asked for
      },
      output: { format: { type: 'audio/pcm', rate: PEER_SAMPLE_RATE }, voice: 'alloy', speed: 1 },
    },
  };
  /** The input audio buffer: the appended chunks (PCM16 at 24 kHz), until committed or cleared. */
  #input: Int16Array[] = [];
  #inputBytes = 0;
  readonly #conversation = new Conversation();
  #response: ResponseStream | null = null;
  #commits = 0;
  /** The assistant has produced audio in this session (its voice is then fixed). */
  #spoke = false;
  readonly #vad = new EnergyVad(PEER_SAMPLE_RATE);
  readonly #transcription: InputTranscription;
  #closed = false;
  /** The model asked for at connect is one the API serves (otherwise every response fails). */
  readonly #modelServed: boolean;
  readonly #expiry: NodeJS.Timeout;
  readonly #schemas: RealtimeSchemas | null;
  /** The link to the client: a WAN's delay each way (none by default). */
  readonly #inbound: WanDirection;
  readonly #outbound: WanDirection;

  constructor(
    private readonly ws: WebSocket,
    private readonly script: ScriptRunner,
    private readonly speech: Speech,
    private readonly hooks: SessionHooks,
    opts: SessionOptions & { model?: string } = {},
  ) {
    this.#schemas = opts.schemas ?? null;
    if (opts.model) this.#config.model = opts.model;
    this.#modelServed = REALTIME_MODELS.has(String(this.#config.model));
    const maxAgeMs = opts.maxAgeMs ?? 60 * 60_000;
    const wan = opts.wan ?? { rttMs: 0, jitterMs: 0 };
    this.#inbound = new WanDirection(wan);
    this.#outbound = new WanDirection({ ...wan, seed: (wan.seed ?? 11) + 1 });
    this.#transcription = new InputTranscription(
      (ev) => this.#send(ev),
      () => this.script.script.transcription ?? {},
    );
    // like the API at its session limit: an error, then the socket closes
    this.#expiry = setTimeout(() => {
      const minutes = Math.round((maxAgeMs / 60_000) * 100) / 100;
      this.#error('invalid_request_error', 'session_expired', `Your session hit the maximum duration of ${minutes} minutes.`);
      this.#closeAfterSent(1000, 'session expired');
    }, maxAgeMs);
    this.#expiry.unref();
    ws.on('message', (data) => {
      const raw = data.toString();
      this.#inbound.send(() => !this.#closed && this.#onMessage(raw));
    });
    ws.on('close', () => this.#close());
    this.#send({ type: 'session.created', session: this.#config });
  }

  #onMessage(raw: string): void {
    let ev: ClientEvent;
    try {
      ev = JSON.parse(raw) as ClientEvent;
    } catch {
      return this.#error('invalid_request_error', 'invalid_json', 'We could not parse the JSON body of your request.');
    }
    this.hooks.onClientEvent(this, ev);
    // like the API: an event its schema refuses is answered with an error and not applied
    const refused = this.#schemas?.refusal(ev);
    if (refused) {
      this.hooks.onSchemaFailure?.(this, 'client', String(ev.type), [refused.message]);
      return this.#error('invalid_request_error', refused.code, refused.message, ev.event_id, refused.param);
    }
    const h = this.#handlers[ev.type] as ((e: ClientEvent) => void) | undefined;
    if (!h)
      return this.#error(
        'invalid_request_error',
        'invalid_value',
        `Invalid value: '${String(ev.type)}'. Supported values are client event types.`,
        ev.event_id,
        'type',
      );
    h(ev);
  }

  readonly #handlers: Handlers = {
    'session.update': (e) => {
      const s = e.session as RealtimeSessionCreateRequest;
      const voice = s.audio?.output?.voice;
      // like the API: only its voices (or a custom voice's id), and fixed once the assistant has spoken
      if (typeof voice === 'string' && !VOICES.includes(voice)) {
        return this.#error(
          'invalid_request_error',
          'invalid_value',
          `Invalid value: '${voice}'. Supported values are: ${VOICES.map((v) => `'${v}'`).join(', ')}.`,
          e.event_id,
          'session.audio.output.voice',
        );
      }
      if (voice !== undefined && voice !== this.#config.audio?.output?.voice && this.#spoke) {
        return this.#error(
          'invalid_request_error',
          'cannot_update_voice',
          "Cannot update a conversation's voice if assistant audio is present.",
          e.event_id,
          'session.audio.output.voice',
        );
      }
      this.#config = merge(this.#config, s);
      this.#send({ type: 'session.updated', session: this.#config });
    },
    'input_audio_buffer.append': (e) => {
      const bytes = Buffer.from(e.audio, 'base64');
      const chunk = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
      this.#input.push(chunk);
      this.#inputBytes += bytes.length;
      const td = this.#turnDetection();
      if (td) for (const t of this.#vad.push(chunk, td)) this.#onVad(t, td);
    },
    'input_audio_buffer.clear': () => {
      this.#input = [];
      this.#inputBytes = 0;
      this.#send({ type: 'input_audio_buffer.cleared' });
    },
    'input_audio_buffer.commit': (e) => void this.#commit(e.event_id),
    'conversation.item.create': (e) => {
      const item = { ...e.item, id: e.item.id ?? newId('item') } as ConversationItem & { id: string };
      // like the API: a tool result must answer a function call that is in the conversation
      if (item.type === 'function_call_output' && !this.#conversation.hasCall(item.call_id)) {
        return this.#error(
          'invalid_request_error',
          'invalid_value',
          `Tool call ID '${item.call_id}' not found in conversation.`,
          e.event_id,
          'item.call_id',
        );
      }
      const placed = this.#conversation.insert(item, 0, e.previous_item_id);
      if (!placed) {
        return this.#error(
          'invalid_request_error',
          'invalid_value',
          `Invalid 'previous_item_id': no item with id '${e.previous_item_id}' in the conversation.`,
          e.event_id,
          'previous_item_id',
        );
      }
      this.#send({ type: 'conversation.item.added', previous_item_id: placed.previous, item });
      this.#send({ type: 'conversation.item.done', previous_item_id: placed.previous, item });
    },
    'conversation.item.delete': (e) => {
      if (!this.#conversation.remove(e.item_id)) return this.#itemNotFound(e.item_id, e.event_id);
      this.#send({ type: 'conversation.item.deleted', item_id: e.item_id });
    },
    'conversation.item.truncate': (e) => {
      const entry = this.#conversation.get(e.item_id);
      if (!entry) return this.#itemNotFound(e.item_id, e.event_id);
      // like the API: only an assistant's audio is truncated
      if (entry.item.type !== 'message' || entry.item.role !== 'assistant') {
        return this.#error(
          'invalid_request_error',
          'invalid_value',
          `Only assistant messages can be truncated; item ${e.item_id} is a ${entry.item.type === 'message' ? `${entry.item.role} message` : entry.item.type}.`,
          e.event_id,
          'item_id',
        );
      }
      const end = e.audio_end_ms;
      // the server's count of the audio can be shorter than what the client received
      if (end > entry.audioMs) {
        return this.#error(
          'invalid_request_error',
          'invalid_value',
          `Audio content of ${Math.floor(entry.audioMs)}ms is already shorter than ${end}ms`,
          e.event_id,
          'audio_end_ms',
        );
      }
      entry.audioMs = end;
      this.#send({ type: 'conversation.item.truncated', item_id: e.item_id, content_index: 0, audio_end_ms: end });
    },
    'response.create': (e) => this.#createResponse(e.event_id, e.response?.instructions, e.response?.metadata ?? undefined),
    'response.cancel': (e) => {
      if (!this.#response || this.#response.done) {
        return this.#error(
          'invalid_request_error',
          'response_cancel_not_active',
          'Cancellation failed: no active response found',
          e.event_id,
        );
      }
      this.#response.cancel();
    },
  };

  #itemNotFound(itemId: string, eventId?: string): void {
    this.#error('invalid_request_error', 'item_not_found', `Item with item_id not found: ${itemId}`, eventId);
  }

  #turnDetection(): TurnDetection | null {
    return (this.#config.audio?.input?.turn_detection ?? null) as TurnDetection | null;
  }

  #onVad(t: 'speech-started' | 'speech-stopped', td: TurnDetection): void {
    if (t === 'speech-started') {
      this.#send({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: newId('item') });
      if (td.interrupt_response !== false && this.#response && !this.#response.done) this.#response.cancel('turn_detected');
      return;
    }
    this.#send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.round(this.#bufferMs()), item_id: '' });
    if (this.#commit() && td.create_response !== false) this.#createResponse(undefined);
  }

  #bufferMs(): number {
    return (this.#inputBytes / 2 / PEER_SAMPLE_RATE) * 1000;
  }

  #commit(eventId?: string): boolean {
    const ms = this.#bufferMs();
    if (ms < MIN_COMMIT_MS) {
      this.#error(
        'invalid_request_error',
        'input_audio_buffer_commit_empty',
        `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`,
        eventId,
      );
      return false;
    }
    const n = this.#commits++;
    const item = {
      id: newId('item'),
      object: 'realtime.item' as const,
      type: 'message' as const,
      role: 'user' as const,
      status: 'completed' as const,
      content: [{ type: 'input_audio' as const, transcript: documentedNull<string>() }], // until transcribed
    };
    const placed = this.#conversation.insert(item, ms)!;
    const audio = this.#input;
    this.#input = [];
    this.#inputBytes = 0;
    this.#send({ type: 'input_audio_buffer.committed', previous_item_id: placed.previous, item_id: item.id });
    this.#send({ type: 'conversation.item.added', previous_item_id: placed.previous, item });
    // like the API: transcribed only when asked for, and later
    if (this.#config.audio?.input?.transcription)
      this.#transcription.start(
        item.id,
        this.script.script.userTranscript?.(n, ms, concatPcm(audio)) ?? `(${Math.round(ms)} ms of speech)`,
        ms,
      );
    return true;
  }

  #createResponse(eventId: string | undefined, instructions?: string, metadata?: Record<string, string>): void {
    if (this.#response && !this.#response.done) {
      return this.#error(
        'invalid_request_error',
        'conversation_already_has_active_response',
        `Conversation already has an active response in progress: ${this.#response.res.id}. Wait until the response is finished before creating a new one.`,
        eventId,
      );
    }
    const s = this.script.script;
    if (s.refuseNext && s.refuseNext > 0) {
      s.refuseNext--;
      return this.#error(
        'server_error',
        'server_error',
        'The server had an error while processing your request. Sorry about that!',
        eventId,
      );
    }
    // a result the model has not spoken about yet: the latest item is a tool's output
    const last = this.#conversation.get(this.#conversation.lastId ?? undefined)?.item;
    const toolOutput = last?.type === 'function_call_output' ? last.output : undefined;
    // a line the caller typed or keyed (conversation.item.create with input_text), not yet answered
    const callerText =
      last?.type === 'message' && last.role === 'user'
        ? last.content
            .map((c) => (c.type === 'input_text' ? c.text : ''))
            .join(' ')
            .trim() || undefined
        : undefined;
    const tools = (this.#config.tools ?? []).map((t) => ('name' in t ? String(t.name) : ''));
    this.#response = new ResponseStream(
      {
        sessionId: this.id,
        send: (ev) => this.#send(ev),
        conversation: this.#conversation,
        script: this.script,
        speech: this.speech,
        onSpoke: () => {
          this.#spoke = true;
        },
        onDone: (r) => this.hooks.onResponse(r),
        drop: () => this.ws.terminate(),
      },
      this.#modelServed ? this.script.plan(instructions, toolOutput, { callerText, tools }) : this.#modelNotFound(),
      metadata?.client_event_id,
    );
    this.#response.start();
  }

  /** What a response of a model the API does not serve is: a failure before any output. */
  #modelNotFound(): ResponsePlan {
    return {
      kind: 'speech',
      latencyMs: 20,
      filler: false,
      text: '',
      ending: { status: 'failed', afterDeltas: 0, type: 'invalid_request_error', code: 'model_not_found' },
    };
  }

  #error(type: string, code: string, message: string, eventId?: string, param: string | null = null): void {
    this.#send({ type: 'error', error: { type, code, message, param, event_id: eventId ?? null } });
  }

  #send(partial: ServerEvent): void {
    if (this.#closed || this.ws.readyState !== this.ws.OPEN) return;
    const ev = { ...partial, event_id: newId('event') };
    if (this.#schemas) {
      const problems = this.#schemas.server(ev);
      if (problems.length) this.hooks.onSchemaFailure?.(this, 'server', ev.type, problems);
    }
    const json = JSON.stringify(ev);
    this.#outbound.send(() => this.ws.readyState === this.ws.OPEN && this.ws.send(json));
  }

  /** Closes once what was sent before has crossed the link: the close travels the same ordered stream. */
  #closeAfterSent(code: number, reason: string): void {
    this.#outbound.send(() => this.ws.close(code, reason));
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#expiry);
    this.#inbound.close();
    this.#outbound.close();
    this.#transcription.close();
    this.#response?.stop();
  }

  close(): void {
    this.#close();
    this.ws.close();
  }
}

/** Deep merge of a session.update into the session: objects merge, everything else replaces. */
function merge<T extends object>(base: T, patch: object): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as object, v as object)
        : v;
  }
  return out as T;
}
