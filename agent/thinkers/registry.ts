import OpenAI from 'openai';
import type { ThinkerConfig } from '../config/config.js';
import type { Domain } from '../context/types.js';
import { KnowledgeThinker } from './knowledge.js';
import { NewsThinker } from './news.js';
import { Finnhub, type StocksProvider } from './providers/stocks.js';
import { NewsApi, type NewsProvider } from './providers/news.js';
import { OpenMeteo, type WeatherProvider } from './providers/open-meteo.js';
import { ResearchThinker } from './research.js';
import { StocksThinker } from './stocks.js';
import type { Thinker } from './types.js';
import { WeatherThinker } from './weather.js';

export interface Providers {
  weather: WeatherProvider;
  stocks: StocksProvider;
  news: NewsProvider;
}

export function defaultProviders(cfg: ThinkerConfig): Providers {
  const p = cfg.providers;
  return {
    weather: new OpenMeteo(p.geocodingUrl, p.forecastUrl),
    stocks: new Finnhub(p.stocksUrl, p.stocksKey),
    news: new NewsApi(p.newsUrl, p.newsKey),
  };
}

/** The five specialists, each on its own model tier. */
export function createThinkers(cfg: ThinkerConfig, providers: Providers = defaultProviders(cfg)): Record<Domain, Thinker> {
  // the SDK's own retries would stretch a thinker past its time budget: one attempt, our timeout
  const client = new OpenAI({ apiKey: cfg.apiKey, baseURL: cfg.baseURL, maxRetries: 0 });
  return {
    weather: new WeatherThinker(client, cfg.cheapModel, providers.weather),
    stocks: new StocksThinker(client, cfg.cheapModel, providers.stocks),
    news: new NewsThinker(client, cfg.strongModel, providers.news),
    knowledge: new KnowledgeThinker(client, cfg.strongModel),
    research: new ResearchThinker(client, cfg.strongModel, cfg.researchMs),
  };
}
