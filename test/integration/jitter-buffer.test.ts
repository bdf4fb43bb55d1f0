import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jitterBufferOf } from '../../agent/transports/livekit/jitter-buffer.js';
import { awaitCallSummaries } from '../../bench/load/call-summaries.js';
import type { Calls } from '../../callers/dispatch.js';
import { sleep } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';

/**
 * The job's jitter-buffer figure (agent/transports/livekit/jitter-buffer.ts) on the real path,
 * against a fault of known size: livekit-server stopped (SIGSTOP) for 600 ms while the caller is
 * talking, so none of the caller's packets reach the job for 600 ms and then all of them at once;
 * and a call without the stall beside it, the same words at the same time into the call. While the
 * caller is silent Opus sends almost nothing (DTX: ~5 packets a second), so the caller talks
 * through the stall: a stall in silence would hold back next to nothing.
 */
const STALL_MS = 600;
let env: CallStack;
let calls: Calls;
let speech: Int16Array;

beforeAll(async () => {
  env = await startCallStack('jitter');
  ({ calls } = env);
  // ~8 s without a sentence break
  speech = await speak(
    'the quick brown fox jumps over the lazy dog and then the quick brown fox jumps over the lazy dog again and again and again without stopping at all',
  );
});

afterAll(async () => env?.stop());

async function stallSfu(ms: number): Promise<void> {
  process.kill(env.stack.livekitPid, 'SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    process.kill(env.stack.livekitPid, 'SIGCONT');
  }
}

/** One call: 3 s quiet, then the caller talks; `stall` 2 s into the talking; the call ends at 12 s. */
async function call(stall: boolean): Promise<string> {
  const { bot, room } = await calls.call();
  await sleep(3_000);
  void bot.say(speech);
  await sleep(2_000);
  if (stall) await stallSfu(STALL_MS);
  else await sleep(STALL_MS);
  await sleep(6_400);
  await bot.leave();
  return room;
}

describe("the job's jitter buffer, read from rtc-node's statistics", () => {
  it('finds a 600 ms stall of the SFU: that much concealed, then the caller heard ~600 ms later for seconds; nothing in a clean call', async () => {
    const cleanRoom = await call(false);
    const stalledRoom = await call(true);
    const summaries = await awaitCallSummaries(env.stack.redisUrl, [cleanRoom, stalledRoom]);
    const figures = (room: string) => jitterBufferOf(summaries.find((c) => c.room === room)?.line as Record<string, unknown> | undefined);
    const clean = figures(cleanRoom)!;
    const stalled = figures(stalledRoom)!;
    // the reader's record of what was found (the figures as the call summary has them)
    console.info('jitter buffer, clean / stalled:', JSON.stringify(clean), JSON.stringify(stalled));
    expect(clean).toBeTruthy();
    expect(stalled).toBeTruthy();

    // the stall: NetEq had nothing for it (concealment), then held the burst (the wait)
    expect(stalled.concealedMs).toBeGreaterThan(STALL_MS - 150);
    expect(stalled.concealedMs).toBeLessThan(STALL_MS + 150);
    expect(stalled.maxMs!).toBeGreaterThan(STALL_MS - 150);
    expect(stalled.maxMs!).toBeLessThan(STALL_MS + 250);
    expect(stalled.heldS).toBeGreaterThanOrEqual(2);
    // where it was: after the first seconds of the call, which read as the clean call does
    expect(stalled.maxAtS!).toBeGreaterThanOrEqual(4);
    expect(Math.max(...stalled.series.slice(0, 3))).toBeLessThan(200);

    // the clean call: no concealment, never held
    expect(clean.concealedMs).toBeLessThan(100);
    expect(clean.heldS).toBe(0);
    expect(clean.maxMs!).toBeLessThan(stalled.maxMs! / 2);
  });
});
