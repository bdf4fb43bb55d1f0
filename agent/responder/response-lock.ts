import type { llm } from '@livekit/agents';
import type { ResponseActivity } from './activity.js';

/** Who asks for a response: every caller of `response.create` goes through the one lock. */
export type ResponseReason = 'turn' | 'thinker' | 'nudge' | 'filler' | 'goodbye' | 'apology' | 'greeting' | 'keys' | 'transfer';

export interface ResponseRequest {
  reason: ResponseReason;
  /** Checked before sending and again after any wait: a stale request sends nothing. */
  isStale?: () => boolean;
  instructions?: string;
}

export type ResponseOutcome =
  | { status: 'created'; responseId: string; generation: llm.GenerationCreatedEvent; waitedMs: number }
  | { status: 'stale'; waitedMs: number }
  | { status: 'timeout'; waitedMs: number }
  | { status: 'refused'; error: Error; waitedMs: number };

/** What the lock needs of the Realtime session. */
export interface ReplyGenerator {
  generateReply(instructions?: string): Promise<llm.GenerationCreatedEvent>;
}

const ACTIVE_RESPONSE = /active response/i;

/**
 * Serialises `response.create`. A caller holds the lock from before its wait until the server has
 * created its response (not merely until it sent the request), so a second waiter can never send
 * while the first one's response has not started: the Realtime API refuses a second concurrent
 * response, and the refusal would cost a round trip on the hot path.
 *
 * Guards: stale before the wait, bounded wait for the active response to finish (the lock is
 * released on every path, including timeouts), stale again after the wait.
 */
export class ResponseLock {
  #tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly session: ReplyGenerator,
    private readonly activity: ResponseActivity,
    private readonly waitTimeoutMs: number,
  ) {}

  request(req: ResponseRequest): Promise<ResponseOutcome> {
    const run = this.#tail.then(() => this.#exclusive(req));
    // the next caller waits for this one whatever its outcome
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #exclusive(req: ResponseRequest): Promise<ResponseOutcome> {
    const started = performance.now();
    const waited = () => performance.now() - started;
    for (let attempt = 0; ; attempt++) {
      if (req.isStale?.()) return { status: 'stale', waitedMs: waited() };
      const idle = await this.activity.waitIdle(Math.max(0, this.waitTimeoutMs - waited()));
      if (!idle) return { status: 'timeout', waitedMs: waited() };
      if (req.isStale?.()) return { status: 'stale', waitedMs: waited() };
      try {
        const generation = await this.session.generateReply(req.instructions);
        return { status: 'created', responseId: generation.responseId ?? '', generation, waitedMs: waited() };
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        // A response we did not ask for (server VAD, a reconnect) can still be active: wait it out once.
        if (attempt === 0 && ACTIVE_RESPONSE.test(error.message)) continue;
        return { status: 'refused', error, waitedMs: waited() };
      }
    }
  }
}
