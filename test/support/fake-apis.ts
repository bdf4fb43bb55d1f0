import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake API received. */
export interface FakeApiRequest {
  at: number;
  path: string;
  params: Record<string, string>;
}

export interface FakeApis {
  geocodingUrl: string;
  forecastUrl: string;
  stocksUrl: string;
  newsUrl: string;
  requests(): FakeApiRequest[];
  close(): Promise<void>;
}

const PLACES: Record<string, { name: string; country: string; latitude: number; longitude: number }> = {
  paris: { name: 'Paris', country: 'France', latitude: 48.85, longitude: 2.35 },
  oslo: { name: 'Oslo', country: 'Norway', latitude: 59.91, longitude: 10.75 },
};
const QUOTES: Record<string, { c: number; d: number; dp: number; pc: number }> = {
  AAPL: { c: 231.5, d: 2.1, dp: 0.92, pc: 229.4 },
  MSFT: { c: 415.2, d: -3.3, dp: -0.79, pc: 418.5 },
};

/**
 * Local stand-ins for the thinkers' data providers (Open-Meteo, Finnhub, NewsAPI), with their
 * response shapes, so no test leaves the machine. Paths: /geo/v1/search, /meteo/v1/forecast,
 * /finnhub/api/v1/{quote,search}, /news/v2/top-headlines.
 */
export async function startFakeApis(): Promise<FakeApis> {
  const seen: FakeApiRequest[] = [];
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://fake');
    const params = Object.fromEntries(u.searchParams);
    seen.push({ at: Date.now(), path: u.pathname, params });
    switch (u.pathname) {
      case '/geo/v1/search': {
        const p = PLACES[(params.name ?? '').toLowerCase()];
        return json(res, 200, p ? { results: [{ id: 1, ...p, timezone: 'Europe/Paris' }] } : { generationtime_ms: 0.1 });
      }
      case '/meteo/v1/forecast': {
        const f = params.temperature_unit === 'fahrenheit';
        const t = (c: number) => (f ? Math.round((c * 9) / 5 + 32) : c);
        return json(res, 200, {
          current: { temperature_2m: t(18), apparent_temperature: t(17), relative_humidity_2m: 60, wind_speed_10m: 12, weather_code: 2 },
          daily: {
            time: ['2026-11-24', '2026-11-25'],
            temperature_2m_max: [t(19), t(21)],
            temperature_2m_min: [t(9), t(11)],
            precipitation_probability_max: [10, 40],
            weather_code: [2, 61],
          },
        });
      }
      case '/finnhub/api/v1/quote': {
        if (!params.token) return json(res, 401, { error: 'Please use an API key.' });
        return json(res, 200, QUOTES[params.symbol ?? ''] ?? { c: 0, d: null, dp: null, pc: 0 });
      }
      case '/finnhub/api/v1/search':
        return json(res, 200, { count: 1, result: [{ symbol: 'AAPL', description: 'APPLE INC' }] });
      case '/news/v2/top-headlines':
        if (!params.apiKey) return json(res, 401, { status: 'error', code: 'apiKeyMissing' });
        return json(res, 200, {
          status: 'ok',
          articles: [
            {
              title: 'Harbour bridge reopens after repairs',
              source: { name: 'Local Times' },
              publishedAt: '2026-11-24T08:00:00Z',
              description: 'Traffic flows again.',
            },
            { title: 'Team wins the cup final', source: { name: 'Sports Daily' }, publishedAt: '2026-11-24T07:00:00Z', description: null },
          ],
        });
      default:
        return json(res, 404, { error: 'not found' });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    geocodingUrl: `${base}/geo/v1/search`,
    forecastUrl: `${base}/meteo/v1/forecast`,
    stocksUrl: `${base}/finnhub/api/v1`,
    newsUrl: `${base}/news/v2`,
    requests: () => seen.slice(),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Worker environment pointing every provider at the fakes (keys are fake too). */
export function fakeApiEnv(f: FakeApis): NodeJS.ProcessEnv {
  return {
    PARLEY_GEOCODING_URL: f.geocodingUrl,
    PARLEY_FORECAST_URL: f.forecastUrl,
    PARLEY_STOCKS_URL: f.stocksUrl,
    FINNHUB_API_KEY: 'fake-finnhub-key',
    PARLEY_NEWS_URL: f.newsUrl,
    NEWSAPI_KEY: 'fake-news-key',
  };
}
