import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeStandin, type RealtimeStandin } from '../../openai-standin/server.js';
import { rememberingModel, toolUsingModel } from '../../test/support/chat-scripts.js';
import { fakeApiEnv, startFakeApis, type FakeApis } from '../../test/support/fake-apis.js';
import { loadConfig } from '../config/config.js';
import { emptyContext } from '../context/types.js';
import { createThinkers } from './registry.js';
import { SpokenError } from './types.js';

let peer: RealtimeStandin;
let apis: FakeApis;

beforeAll(async () => {
  peer = await startRealtimeStandin();
  apis = await startFakeApis();
});
afterAll(async () => {
  await peer.close();
  await apis.close();
});

const cfg = (extra: NodeJS.ProcessEnv = {}) =>
  loadConfig({ OPENAI_API_KEY: '', PARLEY_PEER_URL: `${peer.url}/v1`, PARLEY_RESEARCH_MS: '300', ...fakeApiEnv(apis), ...extra }).thinkers;
const input = (query: string, prefs = {}) => ({
  query,
  context: { ...emptyContext('u1'), preferences: prefs },
  recent: ['caller: hello', 'agent: hi'],
  signal: new AbortController().signal,
});

describe('thinkers against the local chat stand-in and fake providers', () => {
  it("weather: calls Open-Meteo through its tool, in the caller's units, on the cheap model", async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 10 });
    const t = createThinkers(cfg());
    const r = await t.weather.run(input('weather in Paris tomorrow?', { units: 'imperial' }));
    expect(r.response).toMatch(/^ANSWER: .*"place":"Paris, France"/);
    expect(r.response).toContain('"units":"imperial"');
    const forecast = apis
      .requests()
      .filter((q) => q.path.endsWith('/forecast'))
      .at(-1)!;
    expect(forecast.params).toMatchObject({ temperature_unit: 'fahrenheit', latitude: '48.85' });
    const models = peer.chatRequests().map((c) => c.request.model);
    expect(new Set(models)).toEqual(new Set([cfg().cheapModel]));
  });

  it('stocks: a quote through the provider; without a key, a spoken reason instead', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 10 });
    expect((await createThinkers(cfg()).stocks.run(input('Apple share price'))).response).toContain('"price":231.5');
    const noKey = createThinkers(cfg({ FINNHUB_API_KEY: '' }));
    const err = await noKey.stocks.run(input('Apple share price')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpokenError);
    expect((err as SpokenError).spoken).toContain('stock prices are not set up');
  });

  it('news: headlines summarised on the stronger model', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 10 });
    const r = await createThinkers(cfg()).news.run(input('what is in the news'));
    expect(r.response).toContain('Harbour bridge reopens');
    expect(peer.chatRequests().at(-1)!.request.model).toBe(cfg().strongModel);
  });

  it('knowledge: answers from memory and the call, and returns what it was told to remember', async () => {
    peer.setChatScript({
      latencyMs: 10,
      respond: rememberingModel({ location: 'Oslo', fact: 'Has a cat called Miso' }, 'Noted, you live in Oslo.'),
    });
    const ctx = input('I moved to Oslo, and my cat is Miso');
    ctx.context.facts = [{ text: 'Likes jazz', source: 'conversation', at: 1 }];
    const r = await createThinkers(cfg()).knowledge.run(ctx);
    expect(r).toEqual({
      response: 'Noted, you live in Oslo.',
      contextUpdate: { preferences: { location: 'Oslo' }, facts: [{ text: 'Has a cat called Miso' }] },
    });
    const prompt = String(peer.chatRequests().at(-1)!.request.messages[1]!.content);
    expect(prompt).toContain('Likes jazz');
    expect(prompt).toContain('caller: hello');
  });

  it('research: takes its configured time, and stops at once when aborted', async () => {
    peer.setChatScript({ respond: toolUsingModel, latencyMs: 10 });
    const t = createThinkers(cfg({ PARLEY_RESEARCH_MS: '1500' }));
    const ac = new AbortController();
    const started = Date.now();
    const p = t.research.run({ ...input('compare heat pumps'), signal: ac.signal });
    setTimeout(() => ac.abort(new Error('hung up')), 300);
    await expect(p).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1200);
    expect(t.research.timeoutMs).toBeGreaterThanOrEqual(1500);
  });

  it('a failing model is an error, not an empty answer', async () => {
    peer.setChatScript({ latencyMs: 5, respond: () => ({ error: { status: 500, message: 'The server had an error' } }) });
    await expect(createThinkers(cfg()).news.run(input('news'))).rejects.toThrow(/500|server had an error/i);
  });
});
