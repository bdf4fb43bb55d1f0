import type { llm } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { ResponseActivity } from './activity.js';
import { ResponseLock, type ReplyGenerator } from './response-lock.js';

/** A fake Realtime session that behaves like the server: one response at a time, refusals otherwise. */
class FakeServer implements ReplyGenerator {
  readonly sent: { id: string; at: number; activeWhenSent: boolean }[] = [];
  #n = 0;
  constructor(
    readonly activity: ResponseActivity,
    readonly createDelayMs = 5,
    readonly responseMs = 40,
  ) {}
  async generateReply(): Promise<llm.GenerationCreatedEvent> {
    const activeWhenSent = this.activity.active;
    const id = `resp_${++this.#n}`;
    this.sent.push({ id, at: performance.now(), activeWhenSent });
    if (activeWhenSent) {
      await sleep(this.createDelayMs);
      throw new Error(`Conversation already has an active response in progress: ${this.activity.activeId}`);
    }
    await sleep(this.createDelayMs);
    this.activity.onCreated(id);
    setTimeout(() => this.activity.onDone(id), this.responseMs);
    return { responseId: id } as unknown as llm.GenerationCreatedEvent;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ResponseLock', () => {
  it('lets exactly one response be generated at a time when callers contend', async () => {
    const activity = new ResponseActivity();
    const server = new FakeServer(activity);
    const lock = new ResponseLock(server, activity, 2000);
    const outcomes = await Promise.all([
      lock.request({ reason: 'turn' }),
      lock.request({ reason: 'thinker' }),
      lock.request({ reason: 'nudge' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'created']);
    // no response.create was ever sent while another response was active
    expect(server.sent.filter((s) => s.activeWhenSent)).toEqual([]);
    expect(server.sent).toHaveLength(3);
    // each later request waited for the previous response to finish
    expect(server.sent[1]!.at - server.sent[0]!.at).toBeGreaterThanOrEqual(40);
    expect(server.sent[2]!.at - server.sent[1]!.at).toBeGreaterThanOrEqual(40);
  });

  it('re-checks staleness after waiting, and sends nothing for a stale request', async () => {
    const activity = new ResponseActivity();
    const server = new FakeServer(activity, 5, 60);
    const lock = new ResponseLock(server, activity, 2000);
    let turn = 1;
    let checks = 0;
    const first = lock.request({ reason: 'turn' });
    const second = lock.request({
      reason: 'thinker',
      isStale: () => {
        checks++;
        return turn !== 1;
      },
    });
    await first;
    // the second request has made its first check (fresh) and is waiting for the first response
    // to finish (60 ms): only the check after the wait can see what happens now
    await sleep(20);
    expect(checks).toBe(1);
    expect(activity.active).toBe(true);
    turn = 2; // barge-in while the second waits
    expect((await second).status).toBe('stale');
    expect(checks).toBe(2);
    expect(server.sent).toHaveLength(1);
  });

  it('checks staleness before waiting: a request stale from the start never waits', async () => {
    const activity = new ResponseActivity();
    activity.onCreated('resp_long'); // would make a waiting request wait the whole timeout
    const server = new FakeServer(activity);
    const lock = new ResponseLock(server, activity, 1000);
    const t0 = performance.now();
    const out = await lock.request({ reason: 'filler', isStale: () => true });
    expect(out.status).toBe('stale');
    expect(performance.now() - t0).toBeLessThan(500);
    expect(server.sent).toHaveLength(0);
  });

  it('gives up after the wait timeout and never leaves the lock held', async () => {
    const activity = new ResponseActivity();
    activity.onCreated('resp_stuck'); // a response that never finishes
    const server = new FakeServer(activity);
    const lock = new ResponseLock(server, activity, 50);
    expect((await lock.request({ reason: 'nudge' })).status).toBe('timeout');
    activity.onDone('resp_stuck');
    // the lock is free again: the next request goes through
    expect((await lock.request({ reason: 'turn' })).status).toBe('created');
  });

  it('reports a refusal and recovers for the next caller', async () => {
    const activity = new ResponseActivity();
    let refuse = true;
    const gen: ReplyGenerator = {
      async generateReply() {
        if (refuse) {
          refuse = false;
          throw new Error('Invalid value for instructions');
        }
        activity.onCreated('r2');
        return { responseId: 'r2' } as unknown as llm.GenerationCreatedEvent;
      },
    };
    const lock = new ResponseLock(gen, activity, 500);
    const a = await lock.request({ reason: 'turn' });
    expect(a.status).toBe('refused');
    expect((await lock.request({ reason: 'turn' })).status).toBe('created');
  });
});
