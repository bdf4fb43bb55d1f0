import { randomBytes } from 'node:crypto';
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

/**
 * The Realtime protocol as the `openai` package types it (6.49, the GA interface): the stand-in
 * speaks exactly these events, so a field the API does not have does not compile.
 */
export type ClientEvent = RealtimeClientEvent;
export type ClientEventType = ClientEvent['type'];
export type ClientEventOf<K extends ClientEventType> = Extract<ClientEvent, { type: K }>;

type WithoutEventId<T> = T extends unknown ? Omit<T, 'event_id'> : never;
/** A server event before it is sent: the session gives it its `event_id`. */
export type ServerEvent = WithoutEventId<RealtimeServerEvent>;
export type ServerEventOf<K extends ServerEvent['type']> = Extract<ServerEvent, { type: K }>;

/** Sends one server event to the client (through the session's WAN, schema-checked). */
export type EventSink = (ev: ServerEvent) => void;

/** An id in the API's shape: a prefix and an opaque suffix (`item_…`, `resp_…`). */
export const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;

/**
 * The API sends null where its types and schemas say object (see ../shared/openai-realtime/README.md:
 * `status_details` of a response in progress, `transcription` when off, a transcript not yet known).
 * This is that null, typed as the field, so each such place says so.
 */
export const documentedNull = <T>(): T => null as T;
