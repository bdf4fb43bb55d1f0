import { SpokenError } from '../types.js';
import { getJson } from './http.js';

export interface Quote {
  symbol: string;
  price: number;
  change: number;
  changePercent: number;
  previousClose: number;
}

/** Stock data behind an interface (tests use a local fake; production Finnhub). */
export interface StocksProvider {
  search(text: string, signal: AbortSignal): Promise<Array<{ symbol: string; description: string }>>;
  quote(symbol: string, signal: AbortSignal): Promise<Quote>;
}

/** Finnhub's REST API; needs FINNHUB_API_KEY. Without it every call fails with a spoken reason. */
export class Finnhub implements StocksProvider {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  #url(path: string, params: Record<string, string>): string {
    if (!this.key)
      throw new SpokenError('no FINNHUB_API_KEY configured', 'stock prices are not set up on this line yet, so I cannot look up quotes');
    const u = new URL(`${this.baseUrl.replace(/\/$/, '')}/${path}`);
    u.search = new URLSearchParams({ ...params, token: this.key }).toString();
    return u.toString();
  }

  async search(text: string, signal: AbortSignal) {
    const r = await getJson<{ result?: Array<{ symbol: string; description: string }> }>(this.#url('search', { q: text }), signal);
    return (r.result ?? []).slice(0, 5);
  }

  async quote(symbol: string, signal: AbortSignal): Promise<Quote> {
    const r = await getJson<{ c: number; d: number | null; dp: number | null; pc: number }>(
      this.#url('quote', { symbol: symbol.toUpperCase() }),
      signal,
    );
    if (!r.c) throw new SpokenError(`no quote for ${symbol}`, `I could not find a price for ${symbol}`);
    return { symbol: symbol.toUpperCase(), price: r.c, change: r.d ?? 0, changePercent: r.dp ?? 0, previousClose: r.pc };
  }
}
