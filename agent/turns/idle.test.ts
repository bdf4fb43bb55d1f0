import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';
import { IdleTimer, type IdleSubject } from './idle.js';

/** The controller as the idle timer sees it: what it is asked to say, and who speaks when. */
class Subject extends EventEmitter implements IdleSubject {
  readonly said: string[] = [];
  agentBusy = false;
  async say(req: ResponseRequest): Promise<ResponseOutcome> {
    this.said.push(req.reason);
    return { status: 'created', responseId: `r${this.said.length}`, generation: {} as never, waitedMs: 0 };
  }
  /** Someone (the caller, or the agent's echo) speaks for `ms`. */
  utter(ms: number, echo: boolean) {
    this.emit('user-speaking', true, false);
    vi.advanceTimersByTime(ms);
    this.emit('user-speaking', false, echo);
  }
}

describe('IdleTimer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("the agent's own echo does not restart the clock: the goodbye comes when it was due", async () => {
    const subject = new Subject();
    const ended = vi.fn();
    new IdleTimer({ nudgeAfterMs: 10_000, goodbyeAfterMs: 30_000 }, subject, ended);
    vi.advanceTimersByTime(5_000);
    subject.utter(3_000, true); // the greeting's echo
    vi.advanceTimersByTime(2_100);
    expect(subject.said).toEqual(['nudge']); // at 10 s, as if nothing had been heard
    subject.utter(3_000, true); // the nudge's echo
    await vi.advanceTimersByTimeAsync(30_000 - 13_100 + 100);
    expect(subject.said).toEqual(['nudge', 'goodbye']);
    subject.emit('agent-speaking', false); // the goodbye has played
    expect(ended).toHaveBeenCalledOnce();
  });

  it('the caller speaking restarts it (and earns a new nudge)', async () => {
    const subject = new Subject();
    const ended = vi.fn();
    new IdleTimer({ nudgeAfterMs: 10_000, goodbyeAfterMs: 30_000 }, subject, ended);
    vi.advanceTimersByTime(11_000);
    expect(subject.said).toEqual(['nudge']);
    subject.utter(3_000, false);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(subject.said).toEqual(['nudge', 'nudge']);
    expect(ended).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(subject.said).toEqual(['nudge', 'nudge', 'goodbye']);
    subject.emit('agent-speaking', false);
    expect(ended).toHaveBeenCalledOnce();
  });
});
