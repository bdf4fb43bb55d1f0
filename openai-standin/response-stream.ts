import type {
  RealtimeConversationItemAssistantMessage,
  RealtimeConversationItemFunctionCall,
  RealtimeResponse,
  RealtimeResponseStatus,
} from 'openai/resources/realtime/realtime';
import { log } from '../agent/log.js';
import { PEER_SAMPLE_RATE, type Speech } from '../speech/espeak.js';
import type { Conversation } from './conversation.js';
import { documentedNull, type EventSink, newId } from './events.js';
import type { ResponsePlan, ScriptedEnding, ScriptRunner } from './script.js';

/** One response the stand-in generated, for tests and the A/B report (the model latency it applied). */
export interface StandinResponse {
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

type AssistantItem = RealtimeConversationItemAssistantMessage & { id: string };
type CallItem = RealtimeConversationItemFunctionCall & { id: string };
type OutputItem = AssistantItem | CallItem;
type Ending = 'completed' | 'cancelled' | 'failed' | 'incomplete';

export interface ResponseStreamDeps {
  sessionId: string;
  send: EventSink;
  conversation: Conversation;
  script: ScriptRunner;
  speech: Speech;
  /** The assistant produced audio (the session's voice is then fixed). */
  onSpoke(): void;
  onDone(r: StandinResponse): void;
  /** Drops the socket under the client (a scripted fault). */
  drop(): void;
}

const SAMPLES_PER_MS = PEER_SAMPLE_RATE / 1000;

/**
 * One response from `response.created` to `response.done`, in the API's order of events: the
 * model's latency (speech synthesised meanwhile), the spoken item streamed in uneven bursts faster
 * than real time, a function call's arguments in deltas, and the ways a response ends early
 * (cancelled, failed, incomplete; each closing the item being spoken, as the API does).
 */
export class ResponseStream {
  readonly res: StandinResponse;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #output: OutputItem[] = [];
  #done = false;
  /** Ends the item being spoken (its `*.done` events), once. */
  #closeItem: ((status: 'completed' | 'incomplete') => void) | null = null;

  constructor(
    private readonly d: ResponseStreamDeps,
    private readonly plan: ResponsePlan,
    clientEventId: string | undefined,
  ) {
    this.res = {
      id: newId('resp'),
      session: d.sessionId,
      clientEventId,
      createdAt: Date.now(),
      latencyMs: plan.latencyMs,
      filler: plan.filler,
      status: 'in_progress',
      audioMsSent: 0,
      text: plan.text,
    };
  }

  get done(): boolean {
    return this.#done;
  }

  start(): void {
    this.d.send({ type: 'response.created', response: this.#object() });
    // synthesis runs during the model latency, as a real model's first tokens do
    const audio = this.plan.text ? this.d.speech.say(this.plan.text) : Promise.resolve(new Int16Array(0));
    this.#later(this.plan.latencyMs, () =>
      audio.then(
        (pcm) => !this.#done && this.#deliver(pcm),
        (e: Error) => {
          log.error({ err: e.message }, 'realtime stand-in: speech synthesis failed');
          this.#finish('failed', { type: 'failed', error: { type: 'server_error', code: 'server_error' } });
        },
      ),
    );
  }

  /** response.cancel (or server VAD's interruption): the item being spoken closes, incomplete. */
  cancel(reason: 'client_cancelled' | 'turn_detected' = 'client_cancelled'): void {
    this.#closeItem?.('incomplete');
    this.#finish('cancelled', { type: 'cancelled', reason });
  }

  /** The socket is gone: nothing more is sent. */
  stop(): void {
    this.#done = true;
    for (const t of this.#timers) clearTimeout(t);
  }

  #later(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  #deliver(pcm: Int16Array): void {
    const plan = this.plan;
    // a call alone, or (the API's common shape) "let me check" spoken first, then the call
    if (plan.kind === 'tool' && !plan.text) {
      this.#streamCall();
      this.#finish('completed');
      return;
    }
    const ending = plan.ending;
    // failed before any output: the response ends with none (output [])
    if (ending?.afterDeltas === 0 && ending.status === 'failed') return this.#end(ending);
    const item = this.#speak();
    const d = this.d.script.script.delivery ?? { speed: 4, minChunkMs: 40, maxChunkMs: 240 };
    let offset = 0;
    let deltas = 0;
    let firstSentAt = 0;
    /** Ms the stream has fallen behind its first delta's schedule in earlier stalls. */
    let behindMs = 0;
    const stalls = [...(plan.lateAudio ?? [])];
    const next = () => {
      if (this.#done) return;
      // a scripted failure or cut-off: the API ends the response where it stands
      if (ending && deltas >= ending.afterDeltas) {
        if (ending.status === 'failed') item.status = 'incomplete';
        else this.#closeItem?.('incomplete');
        return this.#end(ending);
      }
      if (offset >= pcm.length) {
        this.#closeItem?.('completed');
        if (plan.kind === 'tool') this.#streamCall();
        this.#finish('completed');
        return;
      }
      // a scripted stall: this delta waits until its audio is `lateMs` overdue, counted from where
      // the earlier stalls left the schedule (a client that played them through is that far behind)
      const offsetMs = offset / SAMPLES_PER_MS;
      if (stalls[0] && offsetMs >= stalls[0].atAudioMs) {
        behindMs += stalls.shift()!.lateMs;
        const wait = firstSentAt + offsetMs + behindMs - Date.now();
        if (wait > 0) return this.#later(wait, next);
      }
      let ms = d.minChunkMs + Math.floor(this.d.script.random() * (d.maxChunkMs - d.minChunkMs + 1));
      // a delta ends where a stall begins, so the stall lands where it was asked for
      if (stalls[0] && stalls[0].atAudioMs > offsetMs) ms = Math.min(ms, stalls[0].atAudioMs - offsetMs);
      const end = Math.min(pcm.length, offset + Math.round(ms * SAMPLES_PER_MS));
      const chunk = pcm.subarray(offset, end);
      offset = end;
      this.#counted(chunk.length / SAMPLES_PER_MS);
      this.d.onSpoke();
      if (deltas === 0) firstSentAt = Date.now();
      this.d.send({
        type: 'response.output_audio.delta',
        ...this.#at(item),
        delta: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64'),
      });
      deltas++;
      const drop = this.d.script.script.dropAfterDeltas;
      if (drop !== undefined && deltas >= drop) {
        this.d.script.script.dropAfterDeltas = undefined; // once
        log.info({ session: this.d.sessionId }, 'realtime stand-in: dropping the socket mid-answer (scripted)');
        this.d.drop();
        return;
      }
      this.#later(chunk.length / SAMPLES_PER_MS / d.speed, next);
    };
    next();
  }

  #end(ending: ScriptedEnding): void {
    if (ending.status === 'failed')
      this.#finish('failed', { type: 'failed', error: { type: ending.type ?? 'server_error', code: ending.code ?? 'server_error' } });
    else this.#finish('incomplete', { type: 'incomplete', reason: ending.reason });
  }

  /** More audio sent; the server's own count of the item runs short of it by the scripted shortfall. */
  #counted(ms: number): void {
    this.res.audioMsSent += ms;
    const entry = this.d.conversation.get(this.#output[0]?.id);
    if (entry) entry.audioMs = Math.max(0, this.res.audioMsSent - (this.d.script.script.audioCountShortfallMs ?? 0));
  }

  #at(item: AssistantItem) {
    return { response_id: this.res.id, item_id: item.id, output_index: this.#output.indexOf(item), content_index: 0 };
  }

  /** Opens the spoken item: added to the response and the conversation, its transcript streamed. */
  #speak(): AssistantItem {
    const text = this.plan.text;
    const item: AssistantItem = {
      id: newId('item'),
      object: 'realtime.item',
      type: 'message',
      role: 'assistant',
      status: 'in_progress',
      content: [],
    };
    const previous = this.d.conversation.lastId;
    this.d.conversation.insert(item);
    this.#output.push(item);
    const outputIndex = this.#output.length - 1;
    this.d.send({ type: 'response.output_item.added', response_id: this.res.id, output_index: outputIndex, item });
    this.d.send({ type: 'conversation.item.added', previous_item_id: previous, item });
    const at = this.#at(item);
    this.d.send({ type: 'response.content_part.added', ...at, part: { type: 'audio', transcript: '' } });
    this.d.send({ type: 'response.output_audio_transcript.delta', ...at, delta: text });
    this.#closeItem = (status) => {
      this.#closeItem = null;
      item.status = status;
      item.content = [{ type: 'output_audio', transcript: text }];
      this.d.send({ type: 'response.output_audio.done', ...at });
      this.d.send({ type: 'response.output_audio_transcript.done', ...at, transcript: text });
      this.d.send({ type: 'response.content_part.done', ...at, part: { type: 'audio', transcript: text } });
      this.d.send({ type: 'response.output_item.done', response_id: this.res.id, output_index: outputIndex, item });
    };
    return item;
  }

  /** A function call item of this response, its arguments streamed in a few deltas. */
  #streamCall(): void {
    const tool = this.plan.tool!;
    const item: CallItem = {
      id: newId('item'),
      object: 'realtime.item',
      type: 'function_call',
      status: 'completed',
      call_id: newId('call'),
      name: tool.name,
      arguments: tool.arguments,
    };
    const previous = this.d.conversation.lastId;
    this.d.conversation.insert(item);
    this.#output.push(item);
    const outputIndex = this.#output.length - 1;
    const opening = { ...item, status: 'in_progress' as const, arguments: '' };
    this.d.send({ type: 'response.output_item.added', response_id: this.res.id, output_index: outputIndex, item: opening });
    this.d.send({ type: 'conversation.item.added', previous_item_id: previous, item: opening });
    const at = { response_id: this.res.id, item_id: item.id, output_index: outputIndex, call_id: item.call_id! };
    const args = item.arguments;
    const step = Math.max(1, Math.ceil(args.length / 3));
    for (let i = 0; i < args.length; i += step)
      this.d.send({ type: 'response.function_call_arguments.delta', ...at, delta: args.slice(i, i + step) });
    this.d.send({ type: 'response.function_call_arguments.done', ...at, name: item.name, arguments: args });
    this.d.send({ type: 'response.output_item.done', response_id: this.res.id, output_index: outputIndex, item });
  }

  #finish(status: Ending, details?: RealtimeResponseStatus): void {
    if (this.#done) return;
    this.stop();
    this.res.status = status;
    this.res.doneAt = Date.now();
    this.d.send({ type: 'response.done', response: this.#object(details) });
    this.d.onDone({ ...this.res });
  }

  #object(details?: RealtimeResponseStatus): RealtimeResponse {
    return {
      object: 'realtime.response',
      id: this.res.id,
      status: this.res.status,
      // in progress and completed: null, as the API sends it
      status_details: details ?? documentedNull(),
      output: this.#output,
      conversation_id: 'conv_local',
      output_modalities: ['audio'],
      metadata: this.res.clientEventId ? { client_event_id: this.res.clientEventId } : null,
      usage: {
        total_tokens: 0,
        input_tokens: 0,
        output_tokens: 0,
        input_token_details: { text_tokens: 0, audio_tokens: 0, cached_tokens: 0 },
        output_token_details: { text_tokens: 0, audio_tokens: 0 },
      },
    };
  }
}
