import { log } from '../log.js';
import { PROMPTS } from '../prompts.js';
import { type FarewellSubject, sayThenHangUp } from './farewell.js';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';

/** What the idle timer needs of the turn controller. */
export interface IdleSubject extends FarewellSubject {
  say(req: ResponseRequest): Promise<ResponseOutcome>;
  readonly agentBusy: boolean;
  /** `echo` (on a stop): that was the agent's own voice coming back, not the caller. */
  on(ev: 'user-speaking', fn: (speaking: boolean, echo: boolean) => void): unknown;
  on(ev: 'agent-speaking', fn: (speaking: boolean) => void): unknown;
}

export interface IdleConfig {
  /** Silence (nobody speaking, nothing playing) before one short nudge. 0 disables. */
  nudgeAfterMs: number;
  /** Silence before a goodbye and the end of the call. 0 disables. */
  goodbyeAfterMs: number;
}

/**
 * Keeps a silent call from hanging forever: after `nudgeAfterMs` of silence the agent checks in
 * once; after `goodbyeAfterMs` it says goodbye and `onGoodbye` ends the call once that has played.
 * The caller's speech restarts the clock; one nudge per silence. The agent's own voice coming back
 * (an echo turn) is not the caller: the clock goes on as if it had not been heard, or an echoed
 * nudge would earn another nudge, for ever.
 */
export class IdleTimer {
  #nudge: NodeJS.Timeout | null = null;
  #goodbye: NodeJS.Timeout | null = null;
  #leaving = false;
  #nudged = false;
  #closed = false;
  /** When the armed nudge and goodbye are due (wall ms), to resume them after an echo. */
  #nudgeAt: number | null = null;
  #goodbyeAt: number | null = null;

  constructor(
    private readonly cfg: IdleConfig,
    private readonly subject: IdleSubject,
    private readonly onGoodbye: () => void,
  ) {
    // Only the caller's speech restarts the clock: the agent's own nudge must not postpone the goodbye.
    subject.on('user-speaking', (speaking, echo) => {
      if (speaking) this.#pause();
      else if (echo) this.#resume();
      else this.#restart();
    });
    subject.on('agent-speaking', (speaking) => {
      if (speaking || this.#leaving) return;
      // the answer just finished: the caller's silence starts now, for the nudge
      if (!this.#nudged) this.#armNudge();
    });
    this.#restart();
  }

  close(): void {
    this.#closed = true;
    this.#stop();
  }

  #stop(): void {
    this.#pause();
    this.#nudgeAt = this.#goodbyeAt = null;
  }

  /** Someone speaks: no timer fires meanwhile, but their deadlines are kept (see #resume). */
  #pause(): void {
    if (this.#nudge) clearTimeout(this.#nudge);
    if (this.#goodbye) clearTimeout(this.#goodbye);
    this.#nudge = this.#goodbye = null;
  }

  /** That was an echo: the timers go on towards the deadlines they had (at once if those passed). */
  #resume(): void {
    if (this.#closed || this.#leaving) return;
    const now = Date.now();
    if (this.#nudgeAt !== null) this.#armNudge(Math.max(0, this.#nudgeAt - now));
    if (this.#goodbyeAt !== null) this.#armGoodbye(Math.max(0, this.#goodbyeAt - now));
  }

  #armNudge(afterMs = this.cfg.nudgeAfterMs): void {
    if (this.#nudge) clearTimeout(this.#nudge);
    this.#nudge = null;
    this.#nudgeAt = null;
    if (this.#closed || this.#leaving || this.cfg.nudgeAfterMs <= 0) return;
    this.#nudgeAt = Date.now() + afterMs;
    this.#nudge = setTimeout(() => {
      this.#nudgeAt = null;
      if (this.subject.agentBusy) return; // it is talking: the nudge re-arms when it stops
      this.#nudged = true;
      void this.subject.say({
        reason: 'nudge',
        instructions: PROMPTS.idleNudge,
      });
    }, afterMs);
  }

  #armGoodbye(afterMs: number): void {
    this.#goodbyeAt = Date.now() + afterMs;
    this.#goodbye = setTimeout(() => void this.#sayGoodbye(), afterMs);
  }

  #restart(): void {
    this.#stop();
    this.#nudged = false;
    if (this.#closed || this.#leaving) return;
    this.#armNudge();
    if (this.cfg.goodbyeAfterMs > 0) this.#armGoodbye(this.cfg.goodbyeAfterMs);
  }

  async #sayGoodbye(): Promise<void> {
    this.#leaving = true;
    log.info('idle: saying goodbye');
    await sayThenHangUp(this.subject, { reason: 'goodbye', instructions: PROMPTS.idleGoodbye }, () => this.#end());
  }

  #end(): void {
    if (this.#closed) return;
    this.close();
    this.onGoodbye();
  }
}
