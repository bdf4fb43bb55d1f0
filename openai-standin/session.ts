import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { log } from '../agent/log.js';
import type { RealtimeSchemas } from './protocol/schemas.js';
import type { ScriptRunner, ResponsePlan } from './script.js';
import { WanDirection, type WanOptions } from './wan.js';

export interface SessionOptions {
  /** OpenAI's event schemas (null: nothing is checked). */
  schemas?: RealtimeSchemas | null;
  /** Age at which the session is ended, as the API ends one at 60 minutes. */
  maxAgeMs?: number;
  /** Round trip and jitter between the client and this "API". */
  wan?: WanOptions;
}
import { PEER_SAMPLE_RATE, type Speech } from '../speech/espeak.js';

/** A client event as received (the fields the peer reads). */
export interface ClientEvent {
  type: string;
  event_id?: string;
  [k: string]: unknown;
}

/** One response the peer generated, for tests and the A/B report (the model latency it applied). */
export interface PeerResponse {
  id: string;
  session: string;
  clientEventId?: string;
  createdAt: number;
  latencyMs: number;
  filler: boolean;
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed' | 'incomplete';
  audioMsSent: number;
  text: string;
  /** When response.done was sent. */
  doneAt?: number;
}

type Item = { id: string; type: string; role?: string; audioMs?: number; [k: string]: unknown };

const id = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;
const MIN_COMMIT_MS = 100;

/**
 * One Realtime session, as the real API behaves for what the plugin uses: session config, the input
 * audio buffer, the conversation, and one response at a time (a second response.create while one is
 * active is refused, as the API does). Server VAD, when configured, commits and responds by itself.
 */
export class PeerSession {
  readonly id = id('sess');
  /**
   * The session as the API starts it, before any session.update: its documented defaults (server
   * VAD on, no transcription). Parley's own choices are in its configuration (agent/config) and
   * arrive here in the client's session.update, as they would at OpenAI.
   */
  #config: Record<string, unknown> = {
    type: 'realtime',
    object: 'realtime.session',
    id: this.id,
    // the API ends a session at 60 minutes
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
        transcription: null,
      },
      output: { format: { type: 'audio/pcm', rate: PEER_SAMPLE_RATE }, voice: 'alloy', speed: 1 },
    },
  };
  #input: Buffer[] = [];
  #inputBytes = 0;
  readonly #items: Item[] = [];
  #active: {
    res: PeerResponse;
    timers: NodeJS.Timeout[];
    itemId: string;
    done: boolean;
    /** Ends the speech item being streamed, as the API does when a response stops early. */
    closeItem?: (status: 'completed' | 'incomplete') => void;
  } | null = null;
  #commits = 0;
  /** The assistant has produced audio in this session (its voice is then fixed). */
  #spoke = false;
  /** server VAD: speech heard in the buffer so far, and trailing silence. */
  #vad = { speaking: false, silenceMs: 0, speechMs: 0 };
  #closed = false;
  readonly #expiry: NodeJS.Timeout;
  /** OpenAI's event schemas: client events are checked as the API checks them, and our own too. */
  private readonly schemas: RealtimeSchemas | null;
  /** The link to the client: a WAN's delay each way (none by default). */
  readonly #inbound: WanDirection;
  readonly #outbound: WanDirection;

  constructor(
    private readonly ws: WebSocket,
    private readonly script: ScriptRunner,
    private readonly speech: Speech,
    private readonly hooks: {
      onClientEvent(s: PeerSession, e: ClientEvent): void;
      onResponse(r: PeerResponse): void;
      /** A client event refused by OpenAI's schema, or one of ours the API would never send. */
      onSchemaFailure?(s: PeerSession, direction: 'client' | 'server', type: string, problems: string[]): void;
    },
    opts: SessionOptions = {},
  ) {
    this.schemas = opts.schemas ?? null;
    const maxAgeMs = opts.maxAgeMs ?? 60 * 60_000;
    const wan = opts.wan ?? { rttMs: 0, jitterMs: 0 };
    this.#inbound = new WanDirection(wan);
    this.#outbound = new WanDirection({ ...wan, seed: (wan.seed ?? 11) + 1 });
    // like the API at its session limit: an error, then the socket closes
    this.#expiry = setTimeout(() => {
      const minutes = Math.round((maxAgeMs / 60_000) * 100) / 100;
      this.#error('invalid_request_error', 'session_expired', `Your session hit the maximum duration of ${minutes} minutes.`);
      // after the error has crossed the link: the close travels the same ordered stream
      this.#outbound.send(() => this.ws.close(1000, 'session expired'));
    }, maxAgeMs);
    this.#expiry.unref();
    ws.on('message', (data) => {
      const raw = data.toString();
      this.#inbound.send(() => !this.#closed && this.#onMessage(raw));
    });
    ws.on('close', () => this.#close());
    this.#send({ type: 'session.created', event_id: id('event'), session: this.#config });
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
    const refused = this.schemas?.refusal(ev);
    if (refused) this.hooks.onSchemaFailure?.(this, 'client', ev.type, [refused.message]);
    if (refused) return this.#error('invalid_request_error', refused.code, refused.message, ev.event_id, refused.param);
    const h = this.#handlers[ev.type];
    if (!h)
      return this.#error(
        'invalid_request_error',
        'invalid_value',
        `Invalid value: '${ev.type}'. Supported values are client event types.`,
        ev.event_id,
        'type',
      );
    h(ev);
  }

  readonly #handlers: Record<string, (e: ClientEvent) => void> = {
    'session.update': (e) => {
      const s = (e.session ?? {}) as Record<string, unknown>;
      // like the API: the voice is fixed once the assistant has spoken
      const voice = (s.audio as { output?: { voice?: unknown } } | undefined)?.output?.voice;
      const current = (this.#config.audio as { output: { voice: unknown } }).output.voice;
      if (voice !== undefined && voice !== current && this.#spoke) {
        return this.#error(
          'invalid_request_error',
          'cannot_update_voice',
          "Cannot update a conversation's voice if assistant audio is present.",
          e.event_id,
          'session.audio.output.voice',
        );
      }
      this.#config = merge(this.#config, s);
      this.#send({ type: 'session.updated', event_id: id('event'), session: this.#config });
    },
    'input_audio_buffer.append': (e) => {
      const chunk = Buffer.from(String(e.audio ?? ''), 'base64');
      this.#input.push(chunk);
      this.#inputBytes += chunk.length;
      if (this.#turnDetection()) this.#serverVad(chunk);
    },
    'input_audio_buffer.clear': () => {
      this.#input = [];
      this.#inputBytes = 0;
      this.#send({ type: 'input_audio_buffer.cleared', event_id: id('event') });
    },
    'input_audio_buffer.commit': (e) => this.#commit(e.event_id),
    'conversation.item.create': (e) => {
      const item: Item = { ...(e.item as Item), id: (e.item as Item)?.id ?? id('item') };
      // like the API: a tool result must answer a function call that is in the conversation
      if (item.type === 'function_call_output' && !this.#items.some((x) => x.type === 'function_call' && x.call_id === item.call_id)) {
        return this.#error(
          'invalid_request_error',
          'invalid_value',
          `Tool call ID '${String(item.call_id)}' not found in conversation.`,
          e.event_id,
          'item.call_id',
        );
      }
      const prev = this.#items.at(-1)?.id ?? null;
      this.#items.push(item);
      this.#send({ type: 'conversation.item.added', event_id: id('event'), previous_item_id: prev, item });
      this.#send({ type: 'conversation.item.done', event_id: id('event'), previous_item_id: prev, item });
    },
    'conversation.item.delete': (e) => {
      const i = this.#items.findIndex((x) => x.id === e.item_id);
      if (i < 0)
        return this.#error('invalid_request_error', 'item_not_found', `Item with item_id not found: ${String(e.item_id)}`, e.event_id);
      this.#items.splice(i, 1);
      this.#send({ type: 'conversation.item.deleted', event_id: id('event'), item_id: e.item_id });
    },
    'conversation.item.truncate': (e) => {
      const item = this.#items.find((x) => x.id === e.item_id);
      if (!item)
        return this.#error('invalid_request_error', 'item_not_found', `Item with item_id not found: ${String(e.item_id)}`, e.event_id);
      const end = Number(e.audio_end_ms);
      if (!(end >= 0) || end > (item.audioMs ?? 0)) {
        return this.#error(
          'invalid_request_error',
          'invalid_value',
          `Audio content of ${item.audioMs ?? 0}ms is already shorter than ${end}ms`,
          e.event_id,
          'audio_end_ms',
        );
      }
      item.audioMs = end;
      this.#send({ type: 'conversation.item.truncated', event_id: id('event'), item_id: item.id, content_index: 0, audio_end_ms: end });
    },
    'response.create': (e) => {
      const r = (e.response ?? {}) as { instructions?: string; metadata?: Record<string, string> };
      this.#createResponse(e.event_id, r.instructions, r.metadata);
    },
    'response.cancel': (e) => {
      if (!this.#active || this.#active.done) {
        return this.#error(
          'invalid_request_error',
          'response_cancel_not_active',
          'Cancellation failed: no active response found',
          e.event_id,
        );
      }
      // like the API: the item being spoken is closed (status incomplete) before response.done
      this.#active.closeItem?.('incomplete');
      this.#finish('cancelled');
    },
  };

  #turnDetection(): { create_response?: boolean; interrupt_response?: boolean; silence_duration_ms?: number } | null {
    const td = ((this.#config.audio as Record<string, Record<string, unknown>>)?.input?.turn_detection ?? null) as Record<
      string,
      unknown
    > | null;
    return td ? (td as never) : null;
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
    const itemId = id('item');
    const prev = this.#items.at(-1)?.id ?? null;
    const n = this.#commits++;
    const item: Item = { id: itemId, type: 'message', role: 'user', audioMs: ms, content: [{ type: 'input_audio', transcript: null }] };
    this.#items.push(item);
    this.#input = [];
    this.#inputBytes = 0;
    this.#send({ type: 'input_audio_buffer.committed', event_id: id('event'), previous_item_id: prev, item_id: itemId });
    this.#send({ type: 'conversation.item.added', event_id: id('event'), previous_item_id: prev, item });
    const transcript = this.script.script.userTranscript?.(n, ms) ?? `(${Math.round(ms)} ms of speech)`;
    this.#send({
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: id('event'),
      item_id: itemId,
      content_index: 0,
      transcript,
      usage: { type: 'duration', seconds: Math.round(ms) / 1000 },
    });
    return true;
  }

  #createResponse(eventId: string | undefined, instructions?: string, metadata?: Record<string, string>): void {
    if (this.#active && !this.#active.done) {
      return this.#error(
        'invalid_request_error',
        'conversation_already_has_active_response',
        `Conversation already has an active response in progress: ${this.#active.res.id}. Wait until the response is finished before creating a new one.`,
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
    const last = this.#items.at(-1);
    const toolOutput = last?.type === 'function_call_output' ? String(last.output ?? '') : undefined;
    const plan = this.script.plan(instructions, toolOutput);
    const res: PeerResponse = {
      id: id('resp'),
      session: this.id,
      clientEventId: metadata?.client_event_id,
      createdAt: Date.now(),
      latencyMs: plan.latencyMs,
      filler: plan.filler,
      status: 'in_progress',
      audioMsSent: 0,
      text: plan.text,
    };
    const itemId = id('item');
    this.#active = { res, timers: [], itemId, done: false };
    this.#send({ type: 'response.created', event_id: id('event'), response: this.#responseObject(res, []) });
    const active = this.#active;
    // synthesis runs during the model latency, as a real model's first tokens do
    const audio = plan.text ? this.speech.say(plan.text) : Promise.resolve(new Int16Array(0));
    active.timers.push(
      setTimeout(() => {
        audio.then(
          (pcm) => !active.done && this.#deliver(plan, pcm),
          (e: Error) => {
            log.error({ err: e.message }, 'peer: speech synthesis failed');
            if (!active.done) this.#finish('failed');
          },
        );
      }, plan.latencyMs),
    );
  }

  #deliver(plan: ResponsePlan, pcm: Int16Array): void {
    const a = this.#active!;
    const prev = this.#items.at(-1)?.id ?? null;
    // a call alone, or (the API's common shape) "let me check" spoken first, then the call
    if (plan.kind === 'tool' && !plan.text) {
      this.#finish('completed', [this.#streamCall(plan, a.itemId, 0)]);
      return;
    }
    const item: Item = { id: a.itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [], audioMs: 0 };
    this.#items.push(item);
    const ids = { response_id: a.res.id, item_id: item.id, output_index: 0, content_index: 0 };
    let closed = false;
    const closeItem = (status: 'completed' | 'incomplete') => {
      if (closed) return;
      closed = true;
      item.audioMs = a.res.audioMsSent;
      item.status = status;
      item.content = [{ type: 'output_audio', transcript: plan.text }];
      this.#send({ type: 'response.output_audio.done', event_id: id('event'), ...ids });
      this.#send({ type: 'response.output_audio_transcript.done', event_id: id('event'), ...ids, transcript: plan.text });
      this.#send({ type: 'response.content_part.done', event_id: id('event'), ...ids, part: { type: 'audio', transcript: plan.text } });
      this.#send({ type: 'response.output_item.done', event_id: id('event'), response_id: a.res.id, output_index: 0, item });
    };
    a.closeItem = closeItem;
    this.#send({ type: 'response.output_item.added', event_id: id('event'), response_id: a.res.id, output_index: 0, item });
    this.#send({ type: 'conversation.item.added', event_id: id('event'), previous_item_id: prev, item });
    this.#send({ type: 'response.content_part.added', event_id: id('event'), ...ids, part: { type: 'audio', transcript: '' } });
    this.#send({ type: 'response.output_audio_transcript.delta', event_id: id('event'), ...ids, delta: plan.text });

    // uneven bursts, faster than real time, as generated audio arrives
    const d = this.script.script.delivery ?? { speed: 4, minChunkMs: 40, maxChunkMs: 240 };
    const samplesPerMs = PEER_SAMPLE_RATE / 1000;
    let offset = 0;
    let deltas = 0;
    // a scripted failure or cut-off: the API ends the response where it stands
    const ending = plan.ending;
    const endHere = (): boolean => {
      if (!ending || deltas < ending.afterDeltas) return false;
      item.audioMs = a.res.audioMsSent;
      item.status = 'incomplete';
      if (ending.status === 'failed') {
        this.#finish('failed', [item], {
          type: 'failed',
          error: {
            type: ending.type ?? 'server_error',
            code: ending.code ?? 'server_error',
            message: ending.message ?? 'The server had an error while processing your request.',
          },
        });
        return true;
      }
      closeItem('incomplete');
      this.#finish('incomplete', [item], { type: 'incomplete', reason: ending.reason });
      return true;
    };
    const next = () => {
      if (a.done || this.#closed) return;
      if (endHere()) return;
      if (offset >= pcm.length) {
        closeItem('completed');
        this.#finish('completed', plan.kind === 'tool' ? [item, this.#streamCall(plan, id('item'), 1)] : [item]);
        return;
      }
      const ms = d.minChunkMs + Math.floor(this.script.random() * (d.maxChunkMs - d.minChunkMs + 1));
      const end = Math.min(pcm.length, offset + Math.round(ms * samplesPerMs));
      const chunk = pcm.subarray(offset, end);
      offset = end;
      a.res.audioMsSent += chunk.length / samplesPerMs;
      this.#spoke = true;
      item.audioMs = a.res.audioMsSent;
      this.#send({
        type: 'response.output_audio.delta',
        event_id: id('event'),
        ...ids,
        delta: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64'),
      });
      deltas++;
      const drop = this.script.script.dropAfterDeltas;
      if (drop !== undefined && deltas >= drop) {
        this.script.script.dropAfterDeltas = undefined; // once
        log.info({ session: this.id }, 'peer: dropping the socket mid-answer (scripted)');
        this.ws.terminate();
        return;
      }
      a.timers.push(setTimeout(next, chunk.length / samplesPerMs / d.speed));
    };
    next();
  }

  /** A function call item of the active response, its arguments streamed in a few deltas. */
  #streamCall(plan: ResponsePlan, itemId: string, outputIndex: number): Item {
    const a = this.#active!;
    const prev = this.#items.at(-1)?.id ?? null;
    const item: Item = {
      id: itemId,
      type: 'function_call',
      status: 'completed',
      call_id: id('call'),
      name: plan.tool!.name,
      arguments: plan.tool!.arguments,
    };
    this.#items.push(item);
    const at = { response_id: a.res.id, item_id: item.id, output_index: outputIndex };
    this.#send({
      type: 'response.output_item.added',
      event_id: id('event'),
      response_id: a.res.id,
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', arguments: '' },
    });
    this.#send({
      type: 'conversation.item.added',
      event_id: id('event'),
      previous_item_id: prev,
      item: { ...item, status: 'in_progress', arguments: '' },
    });
    const args = String(item.arguments);
    const step = Math.max(1, Math.ceil(args.length / 3));
    for (let i = 0; i < args.length; i += step) {
      this.#send({
        type: 'response.function_call_arguments.delta',
        event_id: id('event'),
        ...at,
        call_id: item.call_id,
        delta: args.slice(i, i + step),
      });
    }
    this.#send({
      type: 'response.function_call_arguments.done',
      event_id: id('event'),
      ...at,
      call_id: item.call_id,
      name: item.name,
      arguments: args,
    });
    this.#send({ type: 'response.output_item.done', event_id: id('event'), response_id: a.res.id, output_index: outputIndex, item });
    return item;
  }

  #finish(status: 'completed' | 'cancelled' | 'failed' | 'incomplete', output: Item[] = [], details?: Record<string, unknown>): void {
    const a = this.#active;
    if (!a || a.done) return;
    a.done = true;
    for (const t of a.timers) clearTimeout(t);
    a.res.status = status;
    a.res.doneAt = Date.now();
    const item = this.#items.find((x) => x.id === a.itemId);
    if (status !== 'completed' && item) item.audioMs = a.res.audioMsSent;
    this.#send({
      type: 'response.done',
      event_id: id('event'),
      response: {
        ...this.#responseObject(a.res, output.length ? output : item ? [item] : []),
        status_details: details ?? (status === 'cancelled' ? { type: 'cancelled', reason: 'client_cancelled' } : null),
      },
    });
    this.hooks.onResponse({ ...a.res });
  }

  #responseObject(res: PeerResponse, output: Item[]): Record<string, unknown> {
    return {
      object: 'realtime.response',
      id: res.id,
      status: res.status,
      status_details: null,
      output,
      conversation_id: 'conv_local',
      output_modalities: ['audio'],
      metadata: res.clientEventId ? { client_event_id: res.clientEventId } : null,
      usage: {
        total_tokens: 0,
        input_tokens: 0,
        output_tokens: 0,
        input_token_details: { text_tokens: 0, audio_tokens: 0, cached_tokens: 0 },
        output_token_details: { text_tokens: 0, audio_tokens: 0 },
      },
    };
  }

  /** Server VAD (when on): energy per 20 ms of appended audio; commits and responds by itself. */
  #serverVad(chunk: Buffer): void {
    const td = this.#turnDetection()!;
    const pcm = new Int16Array(chunk.buffer, chunk.byteOffset, chunk.byteLength >> 1);
    const win = PEER_SAMPLE_RATE / 50;
    for (let o = 0; o + win <= pcm.length; o += win) {
      let acc = 0;
      for (let i = o; i < o + win; i++) acc += pcm[i]! * pcm[i]!;
      const loud = Math.sqrt(acc / win) > 500;
      const v = this.#vad;
      if (loud) {
        v.speechMs += 20;
        v.silenceMs = 0;
        if (!v.speaking && v.speechMs >= 60) {
          v.speaking = true;
          this.#send({ type: 'input_audio_buffer.speech_started', event_id: id('event'), audio_start_ms: 0, item_id: id('item') });
          if (td.interrupt_response !== false && this.#active && !this.#active.done) this.#finish('cancelled');
        }
      } else {
        v.silenceMs += 20;
        if (!v.speaking) v.speechMs = 0;
        if (v.speaking && v.silenceMs >= (td.silence_duration_ms ?? 500)) {
          v.speaking = false;
          v.speechMs = 0;
          this.#send({
            type: 'input_audio_buffer.speech_stopped',
            event_id: id('event'),
            audio_end_ms: Math.round(this.#bufferMs()),
            item_id: '',
          });
          if (this.#commit() && td.create_response !== false) this.#createResponse(undefined);
        }
      }
    }
  }

  #error(type: string, code: string, message: string, eventId?: string, param: string | null = null): void {
    this.#send({ type: 'error', event_id: id('event'), error: { type, code, message, param, event_id: eventId ?? null } });
  }

  #send(ev: Record<string, unknown>): void {
    if (this.#closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.schemas) {
      const problems = this.schemas.server(ev);
      if (problems.length) this.hooks.onSchemaFailure?.(this, 'server', String(ev.type), problems);
    }
    const json = JSON.stringify(ev);
    this.#outbound.send(() => this.ws.readyState === this.ws.OPEN && this.ws.send(json));
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#expiry);
    this.#inbound.close();
    this.#outbound.close();
    if (this.#active && !this.#active.done) {
      for (const t of this.#active.timers) clearTimeout(t);
      this.#active.done = true;
    }
  }

  close(): void {
    this.#close();
    this.ws.close();
  }
}

/** Deep merge of a session.update into the session: objects merge, everything else replaces. */
function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
