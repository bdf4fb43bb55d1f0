import { rng } from '../agent/util/rng.js';

/**
 * What the local stand-in's "model" does, per run or per test: how long it thinks, what it says, when
 * it calls a tool, and which faults it injects. Everything optional; defaults give a plausible,
 * quick conversation.
 */
export type LatencySpec =
  | number
  /** Per response in order; the last value repeats. */
  | number[]
  /** Log-normal around a median (the shape of real model latency). */
  | { kind: 'lognormal'; medianMs: number; sigma: number };

export interface ToolCallSpec {
  name: string;
  /** Sent as-is: malformed JSON on purpose is allowed. */
  arguments: string;
  /** Said first, in the same response ("Let me check that."), as the API commonly does. */
  say?: string;
}

export interface TranscriptionSpec {
  /** From the commit to the transcript (ms); per commit in order, the last value repeating. Default 0. */
  delayMs?: number | number[];
  /** The transcript arrives in this many `.delta` events before `.completed` (default 2). */
  deltas?: number;
  /** Commits (0-based) whose transcription fails (`.failed`), with the error's code and message. */
  failures?: Record<number, { code?: string; message?: string }>;
}

export type ScriptedEnding =
  | { status: 'failed'; afterDeltas: number; code?: string; type?: string }
  | { status: 'incomplete'; afterDeltas: number; reason: 'max_output_tokens' | 'content_filter' };

export interface StandinScript {
  /** From response.create to the first audio delta. Default 250 ms. */
  modelLatencyMs?: LatencySpec;
  /** Share of responses that are quick fillers ("Mm, let me think."). */
  fillerShare?: number;
  fillerLatencyMs?: number;
  /**
   * Answer text for the n-th response (0-based) of a session. `toolOutput` is set when the latest
   * conversation item is a tool result. Default: speak the result's answer, or a canned reply.
   */
  reply?: (n: number, instructions: string | undefined, toolOutput?: string) => string;
  /** Responses (0-based index) that answer with a tool call instead of speech. */
  toolCalls?: Record<number, ToolCallSpec>;
  /** Refuse this many upcoming response.create with a server error (nothing generated). */
  refuseNext?: number;
  /**
   * Responses (0-based index) that end as the API ends a failed or cut-short one, after
   * `afterDeltas` audio deltas (0: before any audio): `failed` with status_details.error (a
   * model/server failure), or `incomplete` with a reason (max_output_tokens, content_filter).
   */
  endings?: Record<number, ScriptedEnding>;
  /** Input audio transcription (when the session asks for it): when it arrives and how it fails. */
  transcription?: TranscriptionSpec;
  /**
   * How much shorter than the audio sent the server counts an answer (ms), as the API does (about
   * 85 ms is reported publicly): a truncate beyond that count is refused. Default 0.
   */
  audioCountShortfallMs?: number;
  /**
   * An unknown model is refused as the socket opens (an error, then the close) instead of failing
   * every response with model_not_found: both are reported of the API.
   */
  unknownModelAtConnect?: boolean;
  /** Drop the WebSocket after this many audio deltas of the next response (once). */
  dropAfterDeltas?: number;
  /** How fast audio is delivered relative to real time, and in what chunk sizes (ms). */
  delivery?: { speed: number; minChunkMs: number; maxChunkMs: number };
  /**
   * Responses (0-based index) whose audio stream stalls, as the API's does when the model or its
   * network falls behind: the delta starting at `atAudioMs` of the answer's audio is sent
   * `lateMs` after that audio was due to play (the first delta's send time plus its offset plus
   * the earlier stalls' lateMs), and the rest follows at the usual speed. A client playing in real
   * time runs dry there, each stall anew. A function gives the stalls of each response from its index
   * and the instructions it was created with (the load runner stalls every answer alike, and not
   * the greeting, which comes with instructions).
   */
  lateAudio?: Record<number, AudioStall[]> | ((response: number, instructions: string | undefined) => AudioStall[] | undefined);
  /** Transcript the peer reports for committed user audio (it does no ASR); `audio` is that audio (PCM16 at 24 kHz). */
  userTranscript?: (n: number, audioMs: number, audio: Int16Array) => string;
  /** Seed for the latency and chunk randomness, so runs repeat. */
  seed?: number;
}

/** A scripted stall of a response's audio stream (StandinScript.lateAudio). */
export interface AudioStall {
  atAudioMs: number;
  lateMs: number;
}

const DEFAULT_REPLIES = [
  'Sure. It looks mild and sunny today, with a light breeze in the afternoon.',
  'Good question. It is a little after three in the afternoon right now.',
  'I can help with that. Tell me a bit more about what you need.',
  'Of course. Here is the short version: it should stay dry until the evening.',
];
const FILLERS = ['Mm, let me think about that.', 'Right, one moment.', 'Okay, let me see.'];

/** What the stand-in decides for one response. */
export interface ResponsePlan {
  kind: 'speech' | 'tool';
  latencyMs: number;
  filler: boolean;
  text: string;
  tool?: ToolCallSpec;
  /** How the response ends other than completed (scripted failures). */
  ending?: ScriptedEnding;
  /** Where its audio stream stalls (scripted), in order of atAudioMs. */
  lateAudio?: AudioStall[];
}

export class ScriptRunner {
  readonly #random: () => number;
  #n = 0;

  constructor(readonly script: StandinScript = {}) {
    this.#random = rng(script.seed ?? 7);
  }

  random(): number {
    return this.#random();
  }

  /**
   * `callerText`: the latest item is a text line of the caller's (keys they pressed). `tools`: the
   * names the session declares. A caller asking for a person, with transfer_to_human declared,
   * gets that tool called, as a model would; any other text line is acknowledged word for word.
   */
  plan(instructions: string | undefined, toolOutput?: string, seen: { callerText?: string; tools?: readonly string[] } = {}): ResponsePlan {
    const n = this.#n++;
    const s = this.script;
    const tool = s.toolCalls?.[n] ?? (seen.callerText !== undefined ? askedForPerson(seen.callerText, seen.tools ?? []) : undefined);
    if (tool) return { kind: 'tool', latencyMs: this.#latency(n), filler: false, text: tool.say ?? '', tool };
    if (seen.callerText !== undefined && !instructions && !s.reply) {
      return { kind: 'speech', latencyMs: this.#latency(n), filler: false, text: `You entered ${seen.callerText.replace(/[[\]]/g, '')}.` };
    }
    const ending = s.endings?.[n];
    if (s.fillerShare && this.#random() < s.fillerShare) {
      return { kind: 'speech', latencyMs: s.fillerLatencyMs ?? 150, filler: true, text: FILLERS[n % FILLERS.length]! };
    }
    const text =
      s.reply?.(n, instructions, toolOutput) ??
      (toolOutput !== undefined ? speakToolOutput(toolOutput) : DEFAULT_REPLIES[n % DEFAULT_REPLIES.length]!);
    const late = typeof s.lateAudio === 'function' ? s.lateAudio(n, instructions) : s.lateAudio?.[n];
    return {
      kind: 'speech',
      latencyMs: this.#latency(n),
      filler: false,
      text,
      ...(ending ? { ending } : {}),
      ...(late ? { lateAudio: [...late].sort((a, b) => a.atAudioMs - b.atAudioMs) } : {}),
    };
  }

  #latency(n: number): number {
    const l = this.script.modelLatencyMs ?? 250;
    if (typeof l === 'number') return l;
    if (Array.isArray(l)) return l[Math.min(n, l.length - 1)] ?? 250;
    // Box–Muller normal → log-normal around the median
    const u = Math.max(1e-9, this.#random());
    const v = this.#random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.round(l.medianMs * Math.exp(l.sigma * z));
  }
}

const TRANSFER_TOOL = 'transfer_to_human';
const WANTS_PERSON = /\b(person|human|operator|representative|someone real)\b/i;

/** The tool call a model makes for "a person, please" when it has the transfer tool. */
function askedForPerson(text: string, tools: readonly string[]): ToolCallSpec | undefined {
  if (!tools.includes(TRANSFER_TOOL) || !WANTS_PERSON.test(text)) return undefined;
  return { name: TRANSFER_TOOL, arguments: JSON.stringify({ reason: 'the caller asked for a person' }) };
}

/** What a model would say about a tool result: its answer (or error), in one breath. */
function speakToolOutput(raw: string): string {
  try {
    const o = JSON.parse(raw) as { answer?: string; error?: string };
    if (o.answer) return o.answer.slice(0, 400);
    if (o.error) return `Sorry, ${o.error}.`;
  } catch {
    // not JSON: say it as it is
  }
  return raw.slice(0, 400) || 'I have the result now.';
}
