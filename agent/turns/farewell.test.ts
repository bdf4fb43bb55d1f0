import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';
import { sayThenHangUp } from './farewell.js';

class Subject extends EventEmitter<{ 'agent-speaking': [boolean] }> {
  asked: ResponseRequest[] = [];
  constructor(private readonly outcome: ResponseOutcome) {
    super();
  }
  async say(req: ResponseRequest): Promise<ResponseOutcome> {
    this.asked.push(req);
    return this.outcome;
  }
}

const created = { status: 'created', responseId: 'resp_1', waitedMs: 0 } as unknown as ResponseOutcome;

describe('sayThenHangUp', () => {
  it('hangs up once the line has played, not before', async () => {
    const s = new Subject(created);
    const hangUp = vi.fn();
    await sayThenHangUp(s, { reason: 'goodbye', instructions: 'bye' }, hangUp);
    expect(s.asked).toHaveLength(1);
    s.emit('agent-speaking', true);
    expect(hangUp).not.toHaveBeenCalled();
    s.emit('agent-speaking', false);
    s.emit('agent-speaking', false);
    expect(hangUp).toHaveBeenCalledTimes(1);
    expect(s.listenerCount('agent-speaking')).toBe(0);
  });

  it('hangs up at once when the line cannot be asked for', async () => {
    const s = new Subject({ status: 'refused', error: new Error('no'), waitedMs: 0 });
    const hangUp = vi.fn();
    await sayThenHangUp(s, { reason: 'apology', instructions: 'sorry' }, hangUp);
    expect(hangUp).toHaveBeenCalledTimes(1);
  });

  it('hangs up after the bound when no audio ever comes', async () => {
    vi.useFakeTimers();
    try {
      const s = new Subject(created);
      const hangUp = vi.fn();
      await sayThenHangUp(s, { reason: 'apology', instructions: 'sorry' }, hangUp, 5_000);
      vi.advanceTimersByTime(4_999);
      expect(hangUp).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(hangUp).toHaveBeenCalledTimes(1);
      s.emit('agent-speaking', false);
      expect(hangUp).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
