import { once } from 'node:events';
import { createServer, type Socket, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../callers/wait.js';
import { CallProcesses } from './call-processes.js';

const ENTRY = fileURLToPath(new URL('../../../test/support/echo-call-process.mjs', import.meta.url));
let pool: CallProcesses | null = null;
afterEach(async () => pool?.drain(2_000));

/** A connected socket pair: what the gateway's server side would hand off, and the caller's end. */
async function socketPair(): Promise<{ server: Socket; client: Socket; close: () => void }> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  const [server] = (await once(srv, 'connection')) as [Socket];
  return { server, client, close: () => srv.close() };
}

const read = (s: Socket) =>
  new Promise<string>((resolve) => {
    let text = '';
    s.on('data', (d) => (text += d.toString()));
    s.on('end', () => resolve(text));
  });

describe('CallProcesses', () => {
  it('hands each stream, socket and all, to a warm process of its own, and keeps one warm', async () => {
    pool = new CallProcesses(ENTRY, 1);
    pool.start();
    const a = await socketPair();
    const b = await socketPair();
    const pidA = await pool.handOff({ type: 'stream', url: '/twilio/stream?a', headers: {}, head: '' }, a.server);
    const pidB = await pool.handOff({ type: 'stream', url: '/twilio/stream?b', headers: {}, head: '' }, b.server);
    // each claimed its ticket twice: the first claim wins, the replay is refused
    expect(await read(a.client)).toBe(`/twilio/stream?a ${pidA} true false\n`);
    expect(await read(b.client)).toBe(`/twilio/stream?b ${pidB} true false\n`);
    expect(pidA).not.toBe(pidB);
    // each call ended its process; one warm one stays for the next call
    await until('the busy processes to end', () => pool!.busy === 0 || null, 5_000);
    a.close();
    b.close();
  });

  it('a ticket is good for one stream, across processes, and forgotten only after it can no longer be valid', () => {
    const p = new CallProcesses(ENTRY, 0);
    expect(p.claim('t1', 1_000)).toBe(true);
    expect(p.claim('t1', 2_000)).toBe(false);
    expect(p.claim('t2', 2_000)).toBe(true);
    // 120 s later (a ticket lives 30 s): remembered no more
    expect(p.claim('t1', 1_000 + 120_001)).toBe(true);
  });

  it('refuses new streams once draining', async () => {
    pool = new CallProcesses(ENTRY, 1);
    pool.start();
    await pool.drain(2_000);
    const a = await socketPair();
    await expect(pool.handOff({ type: 'stream', url: '/x', headers: {}, head: '' }, a.server)).rejects.toThrow(/shutting down/);
    a.server.destroy();
    a.client.destroy();
    a.close();
  });
});
