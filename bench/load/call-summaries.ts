import type { CallSummary } from '../../agent/metrics/call-summary.js';
import { CALL_STREAM } from '../../agent/metrics/recorder.js';
import { readJsonStream } from '../../report/records.js';

/**
 * The job summaries of `rooms`. A job writes its summary as it ends, just after its caller left,
 * so this polls until every room has one or `timeoutMs` passes, and returns what is there.
 */
export async function awaitCallSummaries(redisUrl: string, rooms: readonly string[], timeoutMs = 20_000): Promise<CallSummary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const calls = (await readJsonStream<CallSummary>(redisUrl, CALL_STREAM)).filter((c) => rooms.includes(c.room));
    if (rooms.every((r) => calls.some((c) => c.room === r)) || Date.now() >= deadline) return calls;
    await new Promise((r) => setTimeout(r, 500));
  }
}
