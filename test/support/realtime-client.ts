import WebSocket from 'ws';

/** A server event as a bare client receives it. */
export type ReceivedEvent = { type: string; [k: string]: unknown };

export interface RawRealtimeClient {
  ws: WebSocket;
  /** Every server event received, in order. */
  got: ReceivedEvent[];
  send(ev: Record<string, unknown>): void;
  /** Resolves with the close code when the server closes the socket. */
  closed: Promise<number>;
}

/**
 * A bare WebSocket client of a Realtime endpoint (no plugin in between), keeping every server event:
 * for checking exactly what the stand-in answers to what a client sends.
 */
export async function rawRealtimeClient(baseUrl: string, model = 'gpt-realtime'): Promise<RawRealtimeClient> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/realtime?model=${encodeURIComponent(model)}`, {
    headers: { authorization: 'Bearer test' },
  });
  const got: ReceivedEvent[] = [];
  ws.on('message', (m) => got.push(JSON.parse(m.toString()) as ReceivedEvent));
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { ws, got, closed, send: (ev) => ws.send(JSON.stringify(ev)) };
}
