import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import { startRedis } from '../../stack/redis.js';
import type { Service } from '../../stack/service.js';
import { until } from '../../callers/wait.js';
import { rememberingModel, toolUsingModel } from '../../test/support/chat-scripts.js';
import { fakeApiEnv, startFakeApis, type FakeApis } from '../../test/support/fake-apis.js';
import { loadConfig } from '../config/config.js';
import { ConversationLog } from '../context/conversation-log.js';
import { failFastRedis } from '../context/redis-client.js';
import { ContextStore } from '../context/store.js';
import { DOMAINS, type Domain } from '../context/types.js';
import { PiiRedactor } from '../guardrail/redactor.js';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';
import { ResultCache } from './cache.js';
import { ThinkerDispatcher, type ThinkerHost, type ThinkerReport } from './dispatcher.js';
import { createThinkers } from './registry.js';

type CallHandler = (responseId: string, call: { callId: string; name: string; args: string }) => void;

/** The call, as far as thinkers can see it: records tool outputs and response requests. */
class FakeHost implements ThinkerHost {
  interruptions = 0;
  agentBusy = false;
  userSpeaking = false;
  audioResponses = new Set<string>();
  readonly outputs: Array<{ callId: string; output: Record<string, unknown> }> = [];
  readonly requests: ResponseRequest[] = [];
  readonly spoken: ResponseRequest[] = [];
  readonly #speech = new EventEmitter<{ s: [boolean] }>();
  #fn: CallHandler | null = null;
  #n = 0;

  onFunctionCall(fn: CallHandler): void {
    this.#fn = fn;
  }
  call(name: string, args: string, responseId = `resp_${this.#n}`): string {
    const callId = `call_${++this.#n}`;
    this.#fn!(responseId, { callId, name, args });
    return callId;
  }
  submitToolOutput(callId: string, output: string): void {
    this.outputs.push({ callId, output: JSON.parse(output) as Record<string, unknown> });
  }
  responseHadAudio(id: string): boolean {
    return this.audioResponses.has(id);
  }
  async say(req: ResponseRequest): Promise<ResponseOutcome> {
    this.requests.push(req);
    if (req.isStale?.()) return { status: 'stale', waitedMs: 0 };
    this.spoken.push(req);
    const responseId = `resp_said_${this.spoken.length}`;
    if (req.reason === 'thinker' && this.thinkerEndings.length) this.#endings.set(responseId, this.thinkerEndings.shift()!);
    return { status: 'created', responseId, generation: {} as never, waitedMs: 0 };
  }
  /** How the next thinker answers' responses end for the caller (default: played out). */
  readonly thinkerEndings: string[] = [];
  readonly #endings = new Map<string, string>();
  async responseEnded(id: string): Promise<string> {
    return this.#endings.get(id) ?? 'completed';
  }
  setUserSpeaking(s: boolean): void {
    this.userSpeaking = s;
    this.#speech.emit('s', s);
  }
  onUserSpeaking(fn: (s: boolean) => void): () => void {
    this.#speech.on('s', fn);
    return () => void this.#speech.off('s', fn);
  }
  said(reason: string): ResponseRequest[] {
    return this.spoken.filter((r) => r.reason === reason);
  }
}

let peer: RealtimeStandin;
let apis: FakeApis;
let redisSvc: Service | null;
let redisUrl: string;
const PORT = 6900 + (process.pid % 97);

beforeAll(async () => {
  peer = await startRealtimeStandin();
  apis = await startFakeApis();
  redisSvc = await startRedis(PORT);
  redisUrl = `redis://127.0.0.1:${PORT}`;
});
afterAll(async () => {
  await peer.close();
  await apis.close();
  await redisSvc?.stop();
});

/** One call's dispatcher with real Redis, the chat stand-in and the fake providers. */
async function callFor(userId: string, env: NodeJS.ProcessEnv = {}) {
  const cfg = loadConfig({ OPENAI_API_KEY: '', PARLEY_PEER_URL: `${peer.url}/v1`, PARLEY_RESEARCH_MS: '200', ...fakeApiEnv(apis), ...env });
  const redis = failFastRedis(redisUrl);
  const context = new ContextStore(userId, redis);
  await context.load();
  const redactor = new PiiRedactor();
  const host = new FakeHost();
  const d = new ThinkerDispatcher({
    host,
    thinkers: createThinkers(cfg.thinkers),
    context,
    conversation: new ConversationLog(redactor),
    cache: new ResultCache(redis),
    redactor,
    stillWorkingAfterMs: Number(env.STILL ?? 0),
    stillWorkingEveryMs: Number(env.STILL ?? 0),
    timeoutScale: cfg.thinkers.timeoutScale,
  });
  const reports: ThinkerReport[] = [];
  d.on('done', (r) => reports.push(r));
  return {
    host,
    d,
    context,
    reports,
    done: (n = 1) => until(`${n} thinker report(s)`, () => reports.length >= n && reports, 10_000),
    close: async () => {
      d.close();
      await context.close();
      redis.disconnect();
      await redactor.close();
    },
  };
}
const uid = (s: string) => `test:${s}:${Math.random().toString(36).slice(2)}`;

describe('ThinkerDispatcher', () => {
  it.each(DOMAINS)('routes %s to its thinker, submits the answer, then speaks it', async (domain: Domain) => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 20 });
    const c = await callFor(uid(domain));
    const before = peer.chatRequests().length;
    const callId = c.host.call('route_to_thinker', JSON.stringify({ domain, query: `a ${domain} question about Paris` }));
    const [r] = await c.done();
    expect(r).toMatchObject({ domain, outcome: 'spoken', cached: false });
    expect(c.host.outputs).toEqual([
      { callId, output: expect.objectContaining({ status: 'ok', domain, answer: expect.stringMatching(/^ANSWER/) }) },
    ]);
    // the tool-only response got a short acknowledgement first, then the answer
    expect(c.host.spoken.map((s) => s.reason)).toEqual(['filler', 'thinker']);
    expect(c.host.said('thinker')[0]!.instructions).toContain((c.host.outputs[0]!.output.answer as string).slice(0, 40));
    const sys = String(peer.chatRequests()[before]!.request.messages[0]!.content);
    expect(sys.toLowerCase()).toContain(
      domain === 'stocks' ? 'stock' : domain === 'news' ? 'news' : domain === 'research' ? 'research' : domain,
    );
    expect(c.context.context.signals.topics[domain]).toBe(1);
    await c.close();
  });

  it('sends an unknown domain and malformed arguments to knowledge, and answers a wrong tool name with an error', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 10 });
    const c = await callFor(uid('bad-args'));
    c.host.call('route_to_thinker', '{"domain":"sports","query":"who won the cup"}');
    c.host.call('route_to_thinker', '{"domain": "weather", "query": "rain in Oslo');
    const wrong = c.host.call('get_weather', '{}');
    const reports = await c.done(2);
    expect(reports.map((r) => r.domain)).toEqual(['knowledge', 'knowledge']);
    expect(reports[1]!.query).toContain('rain in Oslo');
    expect(c.host.outputs.find((o) => o.callId === wrong)!.output).toMatchObject({ status: 'error' });
    await c.close();
  });

  it("does not speak the model's own acknowledgement twice: no filler when the tool call came with speech", async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 10 });
    const c = await callFor(uid('ack'));
    c.host.audioResponses.add('resp_spoke');
    c.host.call('route_to_thinker', '{"domain":"news","query":"headlines"}', 'resp_spoke');
    await c.done();
    expect(c.host.spoken.map((s) => s.reason)).toEqual(['thinker']);
    await c.close();
  });

  it('after a barge-in the result is submitted but not spoken', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 300 });
    const c = await callFor(uid('stale'));
    c.host.call('route_to_thinker', '{"domain":"stocks","query":"Apple price"}');
    await new Promise((r) => setTimeout(r, 100));
    c.host.interruptions++; // the caller cut the agent off
    const [r] = await c.done();
    expect(r!.outcome).toBe('stale');
    expect(c.host.outputs[0]!.output).toMatchObject({ status: 'ok' });
    expect(c.host.said('thinker')).toHaveLength(0);
    await c.close();
  });

  it('an answer is spoken only if the caller heard it: a failed response is unspoken, a talked-over one interrupted', async () => {
    const c = await callFor(uid('heard'));
    c.host.thinkerEndings.push('failed', 'cancelled');
    c.host.call('route_to_thinker', '{"domain":"weather","query":"weather in Oslo"}');
    const [failed] = await c.done(1);
    expect(failed!.outcome).toBe('unspoken');
    expect(failed!.error).toBe("the answer's response failed");
    c.host.call('route_to_thinker', '{"domain":"weather","query":"weather in Bergen"}');
    expect((await c.done(2))[1]!.outcome).toBe('interrupted');
    c.host.call('route_to_thinker', '{"domain":"weather","query":"weather in Tromso"}');
    expect((await c.done(3))[2]!.outcome).toBe('spoken');
    expect(c.host.said('thinker')).toHaveLength(3);
    await c.close();
  });

  it('waits for the caller to finish speaking before it answers', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 20 });
    const c = await callFor(uid('quiet'));
    c.host.setUserSpeaking(true);
    c.host.call('route_to_thinker', '{"domain":"news","query":"headlines"}');
    await until('the answer to be submitted', () => c.host.outputs.length === 1, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.host.said('thinker')).toHaveLength(0);
    c.host.setUserSpeaking(false);
    await c.done();
    expect(c.host.said('thinker')).toHaveLength(1);
    await c.close();
  });

  it('a failing or slow thinker yields a submitted error and a spoken apology', async () => {
    peer.setChatScript({ latencyMs: 10, respond: () => ({ error: { status: 500, message: 'The server had an error' } }) });
    const c = await callFor(uid('fail'));
    // news answers are shared between callers: a question nobody asked before, so no cache hit
    c.host.call('route_to_thinker', '{"domain":"news","query":"headlines about a failing server"}');
    const [r] = await c.done();
    expect(r).toMatchObject({ outcome: 'failed' });
    expect(c.host.outputs[0]!.output).toMatchObject({ status: 'error', error: expect.stringContaining('went wrong') });
    expect(c.host.said('apology')).toHaveLength(1);
    await c.close();

    peer.setChatScript({ respond: toolUsingModel, latencyMs: 2000 });
    const slow = await callFor(uid('slow'), { PARLEY_THINKER_TIMEOUT_SCALE: '0.02' }); // 10 s budget → 200 ms
    slow.host.call('route_to_thinker', '{"domain":"weather","query":"Paris"}');
    const [t] = await slow.done();
    expect(t).toMatchObject({ outcome: 'failed', error: expect.stringContaining('timed out') });
    expect(slow.host.outputs[0]!.output.error).toContain('too long');
    await slow.close();
  });

  it('hang-up aborts running thinkers and their model requests', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 5000 });
    const c = await callFor(uid('hangup'));
    const before = peer.chatRequests().length;
    c.host.call('route_to_thinker', '{"domain":"knowledge","query":"what did I say"}');
    await until('the model request', () => peer.chatRequests().length > before, 3000);
    c.d.close();
    const [r] = await c.done();
    expect(r!.outcome).toBe('cancelled');
    await until('the peer to see the request aborted', () => peer.chatRequests()[before]!.status === 'aborted', 3000);
    expect(c.host.outputs).toHaveLength(0);
    expect(c.host.spoken.filter((s) => s.reason !== 'filler')).toHaveLength(0);
    await c.close();
  });

  it('caches per domain without leaking personal answers between users; never caches failures', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 10 });
    const a = await callFor(uid('cache-a'));
    const b = await callFor(uid('cache-b'));
    const ask = async (c: Awaited<ReturnType<typeof callFor>>, domain: Domain, query: string, n: number) => {
      c.host.call('route_to_thinker', JSON.stringify({ domain, query }));
      return (await c.done(n))[n - 1]!;
    };
    expect((await ask(a, 'weather', 'Weather in Paris?', 1)).cached).toBe(false);
    expect((await ask(a, 'weather', 'weather in paris', 2)).cached).toBe(true); // same question, normalised
    expect((await ask(b, 'weather', 'Weather in Paris?', 1)).cached).toBe(false); // another user: own answer
    expect((await ask(a, 'stocks', 'AAPL price', 3)).cached).toBe(false);
    expect((await ask(b, 'stocks', 'AAPL price', 2)).cached).toBe(true); // a quote is the same for all
    await a.close();
    await b.close();

    peer.setChatScript({ latencyMs: 5, respond: () => ({ error: { status: 503, message: 'overloaded' } }) });
    const c = await callFor(uid('cache-fail'));
    expect((await ask(c, 'news', 'top stories', 1)).outcome).toBe('failed');
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 5 });
    expect(await ask(c, 'news', 'top stories', 2)).toMatchObject({ outcome: 'spoken', cached: false });
    await c.close();
  });

  it('stores what a thinker learnt, redacted, in Redis', async () => {
    peer.setChatScript({
      latencyMs: 10,
      respond: rememberingModel({ name: 'Ada', fact: 'Email is ada@example.org, card 4111 1111 1111 1111' }, 'Got it.'),
    });
    const user = uid('learn');
    const c = await callFor(user);
    c.host.call('route_to_thinker', '{"domain":"knowledge","query":"remember my email"}');
    await c.done();
    expect(await c.context.drain()).toBe(true);
    const r = new Redis(redisUrl);
    const { RedisContextRepo } = await import('../context/redis-store.js');
    const stored = await new RedisContextRepo(r).load(user);
    r.disconnect();
    expect(stored.preferences.name).toBe('Ada');
    expect(stored.facts.map((f) => f.text)).toEqual(['Email is [EMAIL], card [CARD]']);
    expect(stored.facts[0]!.source).toBe('knowledge');
    await c.close();
  });

  it('says "still working" while a long thinker runs and nobody talks', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 10 });
    const c = await callFor(uid('still'), { PARLEY_RESEARCH_MS: '1200', STILL: '400' });
    c.host.call('route_to_thinker', '{"domain":"research","query":"compare heat pumps"}');
    const [r] = await c.done();
    expect(r!.outcome).toBe('spoken');
    const stills = c.host.said('filler').filter((s) => s.instructions?.includes('still working'));
    expect(stills.length).toBeGreaterThanOrEqual(2);
    await c.close();
  });
});
