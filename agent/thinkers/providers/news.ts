import { SpokenError } from '../types.js';
import { getJson } from './http.js';

export interface Headline {
  title: string;
  source: string;
  publishedAt: string;
  description?: string;
}

/** Headlines behind an interface (tests use a local fake; production NewsAPI.org). */
export interface NewsProvider {
  headlines(topic: string | null, signal: AbortSignal): Promise<Headline[]>;
}

/** NewsAPI.org; needs NEWSAPI_KEY. Without it every call fails with a spoken reason. */
export class NewsApi implements NewsProvider {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async headlines(topic: string | null, signal: AbortSignal): Promise<Headline[]> {
    if (!this.key) throw new SpokenError('no NEWSAPI_KEY configured', 'the news service is not set up on this line yet');
    const u = new URL(`${this.baseUrl.replace(/\/$/, '')}/top-headlines`);
    u.search = new URLSearchParams({ language: 'en', pageSize: '8', apiKey: this.key, ...(topic ? { q: topic } : {}) }).toString();
    type R = { articles?: Array<{ title: string; source?: { name?: string }; publishedAt: string; description?: string | null }> };
    const r = await getJson<R>(u.toString(), signal);
    return (r.articles ?? []).map((a) => ({
      title: a.title,
      source: a.source?.name ?? '',
      publishedAt: a.publishedAt,
      description: a.description ?? undefined,
    }));
  }
}
