import WebSocket from 'ws';
import type * as openai from '@livekit/agents-plugin-openai';

/**
 * What this module uses of the plugin's RealtimeSession (1.9): its outgoing queue (`sendEvent`
 * puts every client event there), the method that serves one WebSocket connection, and its
 * options (Azure events need rewriting, which only the plugin's own loop does).
 */
interface OutgoingQueue {
  items: unknown[];
  get(options?: { signal?: AbortSignal }): Promise<unknown>;
  put(item: unknown): Promise<void>;
}
interface SessionInternals {
  messageChannel: OutgoingQueue;
  runWs(ws: WebSocket): Promise<void>;
  close(): Promise<void>;
  emit(event: 'openai_client_event_queued', ev: unknown): boolean;
  _options: { isAzure?: boolean; apiVersion?: string };
}

/**
 * Sends the plugin's client events without keeping them.
 *
 * Plugin 1.9 sends each client event from a loop that races the queue's next event against one
 * abort promise per connection (`Promise.race([messageChannel.get(), abortFuture.await])` in
 * `runWs`). That promise only settles when the connection ends, and every race leaves a reaction
 * on it that holds the race's result: the event. So each event ever sent stays in memory for the
 * whole connection (up to an hour): the caller's audio appends (100 ms each, ~6.4 KB of base64),
 * ~230 KB per turn, the slope issue #22 measured (nodejs/node#17469; agents-js #1950 and #2046 are
 * the same pattern elsewhere in agents-js).
 *
 * Here the plugin's loop is given a queue that never yields, so it waits once per connection, and
 * for each connection `runWs` serves, a loop of ours sends what `sendEvent` queued, in order, to
 * that connection: the same event (`openai_client_event_queued`) and the same bytes, from the same
 * moment (after a reconnect has restored the session) until the connection ends. Its wait for the
 * next event is the queue's own abortable `get`, so nothing accumulates, and when the connection
 * ends no read is left pending on the queue to swallow the first event of the next one.
 *
 * As the plugin's loop does, nothing is sent once the session is closed.
 *
 * Returns false (and changes nothing) for Azure, whose events only the plugin's loop rewrites.
 */
export function sendWithoutRetention(session: openai.realtime.RealtimeSession): boolean {
  const s = session as unknown as SessionInternals;
  if (s._options.isAzure && s._options.apiVersion) return false;
  const queue = s.messageChannel;
  // sendEvent and close() still reach the real queue (its items array is the same array); the
  // plugin's loop waits on a promise of its own (once per connection), dropped when it gives up
  s.messageChannel = {
    items: queue.items,
    get: () => new Promise<never>(() => {}),
    put: (item) => queue.put(item),
  };
  const closed = new AbortController();
  const close = s.close;
  s.close = function (this: SessionInternals) {
    closed.abort();
    return close.call(this);
  };
  const runWs = s.runWs;
  s.runWs = async function (this: SessionInternals, ws: WebSocket) {
    const ended = new AbortController();
    const stop = AbortSignal.any([ended.signal, closed.signal]);
    const sending = forward(this, queue, ws, stop);
    try {
      return await runWs.call(this, ws);
    } finally {
      ended.abort();
      await sending;
    }
  };
  return true;
}

async function forward(s: SessionInternals, queue: OutgoingQueue, ws: WebSocket, ended: AbortSignal): Promise<void> {
  while (!ended.aborted && ws.readyState === WebSocket.OPEN) {
    let event: unknown;
    try {
      event = await queue.get({ signal: ended });
    } catch {
      return; // the connection ended while we waited
    }
    // as the plugin's loop: an event taken as the connection ends is not sent (the plugin then
    // reconnects and restores the conversation itself)
    if (ended.aborted || ws.readyState !== WebSocket.OPEN) return;
    s.emit('openai_client_event_queued', event);
    ws.send(JSON.stringify(event));
  }
}
