/**
 * Twilio Media Streams over WebSocket, as documented in "Media Streams - WebSocket Messages"
 * (https://www.twilio.com/docs/voice/media-streams/websocket-messages). Every message is a JSON
 * text frame. Twilio writes its counters (`sequenceNumber`, `media.chunk`, `media.timestamp`) as
 * decimal strings, so the wire types below keep them as strings.
 *
 * Inbound messages are checked strictly: the fields the agent relies on must be there with their
 * documented types; a field Twilio adds beyond those is tolerated (the docs' own start example
 * has shown more than the table lists).
 */

// ── from Twilio ──────────────────────────────────────────────────────────────────────────────────

/** First message on the socket. */
export interface ConnectedMessage {
  event: 'connected';
  protocol: string;
  version: string;
}

/** The only media format Media Streams carries (the docs: "Value is always …"). */
export interface MediaFormat {
  encoding: 'audio/x-mulaw';
  sampleRate: 8000;
  channels: 1;
}

/** Sent once, right after `connected`: who the call is and what the audio will be. */
export interface StartMessage {
  event: 'start';
  sequenceNumber: string;
  streamSid: string;
  start: {
    accountSid: string;
    streamSid: string;
    callSid: string;
    /** Which media flows follow; a bidirectional stream carries `inbound` only. */
    tracks: MediaTrack[];
    /** The TwiML `<Parameter>`s of the `<Stream>` (an empty object when there were none). */
    customParameters: Record<string, string>;
    mediaFormat: MediaFormat;
  };
}

export type MediaTrack = 'inbound' | 'outbound';

/** Caller audio: base64 μ-law, normally 20 ms (160 bytes) a message. */
export interface MediaMessage {
  event: 'media';
  sequenceNumber: string;
  streamSid: string;
  media: {
    track: MediaTrack;
    /** 1 for the track's first message, +1 for each after it. */
    chunk: string;
    /** Presentation timestamp: ms from the start of the stream. */
    timestamp: string;
    /** Raw μ-law/8000 bytes, base64. */
    payload: string;
  };
}

/** A key the caller pressed (bidirectional streams only). */
export interface DtmfMessage {
  event: 'dtmf';
  sequenceNumber: string;
  streamSid: string;
  dtmf: { track: 'inbound_track'; digit: string };
}

/**
 * The echo of a mark we sent: the audio sent before it has finished playing — or was dropped by a
 * `clear` (which echoes every pending mark too; see media-out.ts).
 */
export interface MarkMessage {
  event: 'mark';
  sequenceNumber: string;
  streamSid: string;
  mark: { name: string };
}

/** The stream stopped or the call ended. */
export interface StopMessage {
  event: 'stop';
  sequenceNumber: string;
  streamSid: string;
  stop: { accountSid: string; callSid: string };
}

export type InboundMessage = ConnectedMessage | StartMessage | MediaMessage | DtmfMessage | MarkMessage | StopMessage;
export type InboundEvent = InboundMessage['event'];

// ── to Twilio ────────────────────────────────────────────────────────────────────────────────────

/** Audio to play to the caller: raw μ-law/8000, base64, no file header. Buffered and played in order. */
export interface OutboundMediaMessage {
  event: 'media';
  streamSid: string;
  media: { payload: string };
}

/** Echoed back with the same name once the audio sent before it has played. */
export interface OutboundMarkMessage {
  event: 'mark';
  streamSid: string;
  mark: { name: string };
}

/** Empties Twilio's buffer of audio not yet played (barge-in). */
export interface OutboundClearMessage {
  event: 'clear';
  streamSid: string;
}

export type OutboundMessage = OutboundMediaMessage | OutboundMarkMessage | OutboundClearMessage;

// ── parsing ──────────────────────────────────────────────────────────────────────────────────────

/** A message that is not what the documented protocol allows; `path` names the offending field. */
export class TwilioProtocolError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`twilio media stream: ${message}`);
    this.name = 'TwilioProtocolError';
  }
}

type Json = Record<string, unknown>;

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** RFC 4733 telephone events 0–15: what a keypad can send. */
const DTMF_DIGIT = /^[0-9*#A-D]$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function object(parent: Json, key: string, path: string): Json {
  const v = parent[key];
  if (v === undefined) throw new TwilioProtocolError(`${path} is missing`, path);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new TwilioProtocolError(`${path} must be an object, got ${describe(v)}`, path);
  return v as Json;
}

function string(parent: Json, key: string, path: string): string {
  const v = parent[key];
  if (v === undefined) throw new TwilioProtocolError(`${path} is missing`, path);
  if (typeof v !== 'string') throw new TwilioProtocolError(`${path} must be a string, got ${describe(v)}`, path);
  return v;
}

function nonEmpty(parent: Json, key: string, path: string): string {
  const v = string(parent, key, path);
  if (v.length === 0) throw new TwilioProtocolError(`${path} must not be empty`, path);
  return v;
}

/** A counter Twilio writes as a decimal string ("1", "160"). */
function decimal(parent: Json, key: string, path: string): string {
  const v = string(parent, key, path);
  if (!DECIMAL.test(v)) throw new TwilioProtocolError(`${path} must be a decimal integer string, got ${describe(v)}`, path);
  return v;
}

function exactly<T extends string | number>(parent: Json, key: string, path: string, expected: T): T {
  const v = parent[key];
  if (v === undefined) throw new TwilioProtocolError(`${path} is missing`, path);
  if (v !== expected) throw new TwilioProtocolError(`${path} is ${describe(v)}, expected ${JSON.stringify(expected)}`, path);
  return expected;
}

function track(parent: Json, key: string, path: string): MediaTrack {
  const v = string(parent, key, path);
  if (v !== 'inbound' && v !== 'outbound')
    throw new TwilioProtocolError(`${path} must be "inbound" or "outbound", got ${describe(v)}`, path);
  return v;
}

function parseStart(m: Json): StartMessage {
  const start = object(m, 'start', 'start');
  const fmt = object(start, 'mediaFormat', 'start.mediaFormat');
  // the agent decodes μ-law at 8 kHz mono and nothing else: refuse any other format loudly
  const mediaFormat: MediaFormat = {
    encoding: exactly(fmt, 'encoding', 'start.mediaFormat.encoding', 'audio/x-mulaw'),
    sampleRate: exactly(fmt, 'sampleRate', 'start.mediaFormat.sampleRate', 8000),
    channels: exactly(fmt, 'channels', 'start.mediaFormat.channels', 1),
  };
  const tracksRaw = start.tracks;
  if (!Array.isArray(tracksRaw) || tracksRaw.length === 0) {
    throw new TwilioProtocolError(`start.tracks must be a non-empty array, got ${describe(tracksRaw)}`, 'start.tracks');
  }
  const tracks = tracksRaw.map((_, i) => track(tracksRaw as unknown as Json, String(i), `start.tracks[${i}]`));
  // absent only if Twilio ever leaves out an empty one; each value must be a string
  const customParameters: Record<string, string> = {};
  if (start.customParameters !== undefined) {
    const params = object(start, 'customParameters', 'start.customParameters');
    for (const k of Object.keys(params)) customParameters[k] = string(params, k, `start.customParameters.${k}`);
  }
  const streamSid = nonEmpty(m, 'streamSid', 'streamSid');
  const innerSid = nonEmpty(start, 'streamSid', 'start.streamSid');
  if (innerSid !== streamSid) {
    throw new TwilioProtocolError(
      `start.streamSid ${JSON.stringify(innerSid)} differs from streamSid ${JSON.stringify(streamSid)}`,
      'start.streamSid',
    );
  }
  return {
    event: 'start',
    sequenceNumber: decimal(m, 'sequenceNumber', 'sequenceNumber'),
    streamSid,
    start: {
      accountSid: nonEmpty(start, 'accountSid', 'start.accountSid'),
      streamSid: innerSid,
      callSid: nonEmpty(start, 'callSid', 'start.callSid'),
      tracks,
      customParameters,
      mediaFormat,
    },
  };
}

function parseMedia(m: Json): MediaMessage {
  const media = object(m, 'media', 'media');
  const payload = string(media, 'payload', 'media.payload');
  if (!BASE64.test(payload)) throw new TwilioProtocolError(`media.payload is not base64 (${payload.length} characters)`, 'media.payload');
  return {
    event: 'media',
    sequenceNumber: decimal(m, 'sequenceNumber', 'sequenceNumber'),
    streamSid: nonEmpty(m, 'streamSid', 'streamSid'),
    media: {
      track: track(media, 'track', 'media.track'),
      chunk: decimal(media, 'chunk', 'media.chunk'),
      timestamp: decimal(media, 'timestamp', 'media.timestamp'),
      payload,
    },
  };
}

function parseDtmf(m: Json): DtmfMessage {
  const dtmf = object(m, 'dtmf', 'dtmf');
  const digit = string(dtmf, 'digit', 'dtmf.digit');
  if (!DTMF_DIGIT.test(digit)) throw new TwilioProtocolError(`dtmf.digit must be one of 0-9 * # A-D, got ${describe(digit)}`, 'dtmf.digit');
  return {
    event: 'dtmf',
    sequenceNumber: decimal(m, 'sequenceNumber', 'sequenceNumber'),
    streamSid: nonEmpty(m, 'streamSid', 'streamSid'),
    dtmf: { track: exactly(dtmf, 'track', 'dtmf.track', 'inbound_track'), digit },
  };
}

function parseMark(m: Json): MarkMessage {
  const mark = object(m, 'mark', 'mark');
  return {
    event: 'mark',
    sequenceNumber: decimal(m, 'sequenceNumber', 'sequenceNumber'),
    streamSid: nonEmpty(m, 'streamSid', 'streamSid'),
    mark: { name: string(mark, 'name', 'mark.name') },
  };
}

function parseStop(m: Json): StopMessage {
  const stop = object(m, 'stop', 'stop');
  return {
    event: 'stop',
    sequenceNumber: decimal(m, 'sequenceNumber', 'sequenceNumber'),
    streamSid: nonEmpty(m, 'streamSid', 'streamSid'),
    stop: { accountSid: nonEmpty(stop, 'accountSid', 'stop.accountSid'), callSid: nonEmpty(stop, 'callSid', 'stop.callSid') },
  };
}

/**
 * One text frame from Twilio → its message, checked against the documentation. Throws
 * TwilioProtocolError naming what was wrong (not JSON, an unknown event, a missing or mistyped
 * field, a media format other than μ-law 8 kHz mono). The result holds only the documented fields.
 */
export function parseInbound(text: string): InboundMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TwilioProtocolError(`not JSON (${(e as Error).message})`, '');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new TwilioProtocolError(`a message must be a JSON object, got ${describe(raw)}`, '');
  const m = raw as Json;
  const event = string(m, 'event', 'event');
  switch (event) {
    case 'connected':
      return { event, protocol: string(m, 'protocol', 'protocol'), version: string(m, 'version', 'version') };
    case 'start':
      return parseStart(m);
    case 'media':
      return parseMedia(m);
    case 'dtmf':
      return parseDtmf(m);
    case 'mark':
      return parseMark(m);
    case 'stop':
      return parseStop(m);
    default:
      throw new TwilioProtocolError(
        `unknown event ${JSON.stringify(event)} (expected connected, start, media, dtmf, mark or stop)`,
        'event',
      );
  }
}

// ── building ─────────────────────────────────────────────────────────────────────────────────────

/**
 * The messages we send on one stream, as the text frames to send. The streamSid is serialised
 * once; a media message is a template around the payload (base64 never needs JSON escaping), so
 * the 50-a-second path does no JSON.stringify.
 */
export class OutboundMessages {
  readonly #sid: string;

  constructor(readonly streamSid: string) {
    if (streamSid.length === 0) throw new TwilioProtocolError('streamSid must not be empty', 'streamSid');
    this.#sid = JSON.stringify(streamSid);
  }

  /** `payload`: base64 of raw μ-law/8000 bytes. */
  media(payload: string): string {
    return `{"event":"media","streamSid":${this.#sid},"media":{"payload":"${payload}"}}`;
  }

  mark(name: string): string {
    return `{"event":"mark","streamSid":${this.#sid},"mark":{"name":${JSON.stringify(name)}}}`;
  }

  clear(): string {
    return `{"event":"clear","streamSid":${this.#sid}}`;
  }
}
