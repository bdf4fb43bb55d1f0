/**
 * Media Streams messages, as https://www.twilio.com/docs/voice/media-streams/websocket-messages
 * documents them: what Twilio sends (connected, start, media, dtmf, mark, stop; every number a
 * string, `sequenceNumber` counting every message after `connected` from "1") and what a
 * bidirectional stream may send back (media, mark, clear).
 */

export interface ConnectedMessage {
  event: 'connected';
  protocol: 'Call';
  version: '1.0.0';
}

export interface StartMessage {
  event: 'start';
  sequenceNumber: string;
  start: {
    accountSid: string;
    streamSid: string;
    callSid: string;
    tracks: ['inbound'];
    customParameters: Record<string, string>;
    mediaFormat: { encoding: 'audio/x-mulaw'; sampleRate: 8000; channels: 1 };
  };
  streamSid: string;
}

export interface MediaMessage {
  event: 'media';
  sequenceNumber: string;
  media: { track: 'inbound'; chunk: string; timestamp: string; payload: string };
  streamSid: string;
}

export interface DtmfMessage {
  event: 'dtmf';
  streamSid: string;
  sequenceNumber: string;
  dtmf: { track: 'inbound_track'; digit: string };
}

export interface MarkMessage {
  event: 'mark';
  sequenceNumber: string;
  streamSid: string;
  mark: { name: string };
}

export interface StopMessage {
  event: 'stop';
  sequenceNumber: string;
  stop: { accountSid: string; callSid: string };
  streamSid: string;
}

export type CarrierMessage = ConnectedMessage | StartMessage | MediaMessage | DtmfMessage | MarkMessage | StopMessage;

/** What the agent may send on a bidirectional stream, once checked. */
export type AgentMessage =
  | { event: 'media'; streamSid: string; ulaw: Buffer }
  | { event: 'mark'; streamSid: string; name: string }
  | { event: 'clear'; streamSid: string };

export type Checked = { ok: true; message: AgentMessage } | { ok: false; violation: string };

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys of `o` outside `allowed`: Twilio's 31951 names "unexpected fields" as a cause. */
function extraKeys(o: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(o).filter((k) => !allowed.includes(k));
}

/**
 * Checks one text frame from the agent the way Twilio's warnings 31951 (Invalid Message: not JSON,
 * an unsupported event, missing or unexpected fields, the wrong object structure, a `streamSid`
 * not the active stream's) and 31924 (a media payload that is not base64 μ-law) describe it.
 */
export function checkAgentMessage(text: string, streamSid: string): Checked {
  const no = (violation: string): Checked => ({ ok: false, violation });
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return no(`not JSON: ${text.slice(0, 80)}`);
  }
  if (!isObject(m)) return no(`not a JSON object: ${text.slice(0, 80)}`);
  const { event } = m;
  if (event !== 'media' && event !== 'mark' && event !== 'clear')
    return no(`unknown event ${JSON.stringify(event)} (a bidirectional stream accepts media, mark, clear)`);
  if (m.streamSid !== streamSid) return no(`${event} for streamSid ${JSON.stringify(m.streamSid)}, not this stream's ${streamSid}`);
  const body = { media: ['media'], mark: ['mark'], clear: [] }[event];
  const extra = extraKeys(m, ['event', 'streamSid', ...body]);
  if (extra.length) return no(`${event} has unexpected fields: ${extra.join(', ')}`);
  if (event === 'clear') return { ok: true, message: { event, streamSid } };
  if (event === 'mark') {
    const mark = m.mark;
    if (!isObject(mark) || typeof mark.name !== 'string') return no('mark without mark.name (a string)');
    const extraMark = extraKeys(mark, ['name']);
    if (extraMark.length) return no(`mark.mark has unexpected fields: ${extraMark.join(', ')}`);
    return { ok: true, message: { event, streamSid, name: mark.name } };
  }
  const media = m.media;
  if (!isObject(media) || typeof media.payload !== 'string') return no('media without media.payload (a string)');
  const extraMedia = extraKeys(media, ['payload']);
  if (extraMedia.length) return no(`media.media has unexpected fields: ${extraMedia.join(', ')}`);
  // Whole μ-law bytes: canonical base64 (no stray characters, padding right), at least one byte.
  if (!media.payload || !CANONICAL_BASE64.test(media.payload))
    return no(`media.payload is not base64 μ-law bytes (${media.payload.length} chars: ${media.payload.slice(0, 24)}…)`);
  return { ok: true, message: { event, streamSid, ulaw: Buffer.from(media.payload, 'base64') } };
}
