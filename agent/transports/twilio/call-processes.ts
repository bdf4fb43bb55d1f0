import { type ChildProcess, fork } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { log } from '../../log.js';

/** Gateway → call process: a stream's upgrade request, with its socket as the message's handle. */
export interface StreamHandoff {
  type: 'stream';
  url: string;
  headers: IncomingHttpHeaders;
  /** Bytes read past the upgrade request's headers (base64; normally none). */
  head: string;
}

/** Call process → gateway. `claim`: may this stream ticket be used (once only, across all processes)? */
export type CallProcessMessage = { type: 'ready' } | { type: 'claim'; ticket: string };

/** Gateway → call process: the answer to a claim. */
export interface ClaimAnswer {
  type: 'claimed';
  ticket: string;
  ok: boolean;
}

/** How long a used ticket is remembered: longer than any ticket lives (stream-token.ts, 30 s). */
const CLAIM_MEMORY_MS = 120_000;

interface Proc {
  child: ChildProcess;
  ready: Promise<void>;
  state: 'starting' | 'idle' | 'busy';
}

/**
 * One process per call, as the LiveKit worker does with its jobs: a stall or a crash in one call
 * cannot touch another. `idleTarget` processes are kept started and warm (VAD model loaded) so a
 * call does not wait for Node and the model; one is forked to replace each taken.
 */
export class CallProcesses {
  readonly #procs = new Set<Proc>();
  /** Tickets already used → when they may be forgotten. */
  readonly #claimed = new Map<string, number>();
  #closing = false;

  constructor(
    private readonly entry: string,
    private readonly idleTarget: number,
    private readonly execArgv: string[] = [],
    private readonly readyTimeoutMs = 30_000,
  ) {}

  start(): void {
    this.#refill();
  }

  /** Calls under way. */
  get busy(): number {
    return [...this.#procs].filter((p) => p.state === 'busy').length;
  }

  /** Hands a stream to a warm process (or one started for it). The socket is the child's from then on. */
  async handOff(h: StreamHandoff, socket: Socket): Promise<number> {
    if (this.#closing) throw new Error('the gateway is shutting down');
    let p = [...this.#procs].find((x) => x.state === 'idle') ?? [...this.#procs].find((x) => x.state === 'starting');
    if (!p) p = this.#fork();
    p.state = 'busy';
    this.#refill();
    await p.ready;
    await new Promise<void>((resolve, reject) => p.child.send(h, socket, (e) => (e ? reject(e) : resolve())));
    return p.child.pid ?? -1;
  }

  /**
   * A stream ticket is good for one stream: the first claim wins, a replay of the same `start`
   * (the handshake's signature is the same for every stream) is refused while the ticket could
   * still be valid.
   */
  claim(ticket: string, now = Date.now()): boolean {
    for (const [t, until] of this.#claimed) if (until < now) this.#claimed.delete(t);
    if (this.#claimed.has(ticket)) return false;
    this.#claimed.set(ticket, now + CLAIM_MEMORY_MS);
    return true;
  }

  /** Stops taking calls: idle processes end now; resolves when the busy ones have ended (or at the bound). */
  async drain(timeoutMs: number): Promise<void> {
    this.#closing = true;
    for (const p of this.#procs) if (p.state !== 'busy') p.child.kill('SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while ([...this.#procs].length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const p of this.#procs) p.child.kill('SIGKILL');
  }

  #refill(): void {
    if (this.#closing) return;
    const warm = [...this.#procs].filter((p) => p.state !== 'busy').length;
    for (let i = warm; i < this.idleTarget; i++) this.#fork();
  }

  #fork(): Proc {
    // the gateway's own flags (its young-generation bound, a loader) and ours not already among them
    const execArgv = [...process.execArgv, ...this.execArgv.filter((f) => !process.execArgv.includes(f))];
    const child = fork(this.entry, [], { execArgv, serialization: 'json' });
    let onReady: () => void = () => {};
    let onFail: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    ready.catch(() => {}); // awaited by handOff when taken; an idle one's failure is logged below
    const p: Proc = { child, ready, state: 'starting' };
    this.#procs.add(p);
    const timer = setTimeout(() => {
      onFail(new Error(`call process did not start within ${this.readyTimeoutMs} ms`));
      child.kill('SIGKILL');
    }, this.readyTimeoutMs);
    child.on('message', (m: CallProcessMessage) => {
      if (m.type === 'claim') {
        const answer: ClaimAnswer = { type: 'claimed', ticket: m.ticket, ok: this.claim(m.ticket) };
        if (child.connected) child.send(answer);
        return;
      }
      if (m.type === 'ready') {
        clearTimeout(timer);
        if (p.state === 'starting') p.state = 'idle';
        onReady();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      onFail(new Error(`call process exited before it was ready (${signal ?? code})`));
      this.#procs.delete(p);
      if (code !== 0 && !this.#closing) log.warn({ pid: child.pid, code, signal, state: p.state }, 'call process ended abnormally');
      // one that could not even start is not retried in a tight loop
      setTimeout(() => this.#refill(), p.state === 'starting' ? 1_000 : 0).unref();
    });
    return p;
  }
}
