import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../agent/util/free-port.js';
import { SPEECH_RMS } from '../../callers/heard.js';
import { until } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';
import { toolUsingModel } from '../support/chat-scripts.js';

/**
 * The worker's Prometheus endpoint around real calls: what its jobs recorded (turns, the call's
 * summary, a thinker task) moves the worker's metrics; calls active follows the call.
 */
let env: CallStack;
let metricsUrl: string;
let question: Int16Array;

beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  env = await startCallStack('metrics', { PARLEY_METRICS_PORT: String(port), PARLEY_METRICS_HOST: '127.0.0.1' });
  question = await speak('What do you know about me?');
});

afterAll(async () => env?.stop());

async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
const sum = (m: Map<string, number>, prefix: string) => [...m].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

describe('the worker /metrics', () => {
  it('moves with a real call: calls active, turns, latency, the call, a thinker task', async () => {
    env.peer.setScript({
      toolCalls: {
        0: {
          name: 'route_to_thinker',
          arguments: JSON.stringify({ domain: 'knowledge', query: 'what do you know about me' }),
          say: 'Let me see.',
        },
      },
      reply: () => 'Here is what I know.',
    });
    env.peer.setChatScript({ respond: toolUsingModel, latencyMs: 50 });
    const before = await scrape();
    expect(before.get('parley_calls_active')).toBe(0);
    expect(before.has('parley_worker_process_resident_memory_bytes')).toBe(true);
    const { bot } = await env.calls.call();
    const asked = await bot.say(question);
    await until('the answer', () => bot.firstSoundAfter(asked, SPEECH_RMS), 20_000);
    const during = await until(
      'calls active',
      async () => {
        const m = await scrape();
        return (m.get('parley_calls_active') ?? 0) === 1 && m;
      },
      10_000,
    );
    expect(during.get('parley_calls_active')).toBe(1);
    await until(
      'the spoken thinker answer',
      () => env.peer.responses().find((r) => r.text === 'Here is what I know.' && r.status === 'completed'),
      20_000,
    );
    // the stand-in is done sending before the caller has heard it all (the pacer's cushion is
    // still playing): leaving now would cut the answer and end the turn cancelled, so wait for it
    await until(
      'the answered turn',
      async () => sum(await scrape(), 'parley_turn_latency_seconds_count') > sum(before, 'parley_turn_latency_seconds_count'),
      20_000,
    );
    await bot.leave();
    const after = await until(
      'the call counted',
      async () => {
        const m = await scrape();
        return sum(m, 'parley_calls_total') === sum(before, 'parley_calls_total') + 1 && m;
      },
      20_000,
    );
    expect(sum(after, 'parley_turns_total{')).toBeGreaterThan(sum(before, 'parley_turns_total{'));
    expect(sum(after, 'parley_turn_latency_seconds_count')).toBeGreaterThan(sum(before, 'parley_turn_latency_seconds_count'));
    expect(sum(after, 'parley_model_latency_seconds_count')).toBeGreaterThan(0);
    expect(sum(after, 'parley_thinker_tasks_total{domain="knowledge"')).toBe(1);
    expect(sum(after, 'parley_thinker_latency_seconds_count')).toBe(1);
    expect(sum(after, 'parley_pacer_lateness_p999_seconds_count')).toBe(1);
    expect(sum(after, 'parley_event_loop_delay_p999_seconds_count')).toBe(1);
    await until('calls active back to 0', async () => (await scrape()).get('parley_calls_active') === 0, 15_000);
  });
});
