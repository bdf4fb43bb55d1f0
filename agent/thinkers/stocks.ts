import type OpenAI from 'openai';
import { runChatAgent } from './chat-agent.js';
import { describeCaller, SPOKEN_STYLE } from './prompt.js';
import type { StocksProvider } from './providers/stocks.js';
import type { Thinker, ThinkerInput, ThinkerResult } from './types.js';

const PERSONAL = /\b(my|mine|i own|i follow|watch ?list|portfolio)\b/i;

/** Stocks: symbol search and quotes through tools. */
export class StocksThinker implements Thinker {
  readonly domain = 'stocks' as const;
  readonly timeoutMs = 10_000;
  readonly cacheTtlS = 60;

  constructor(
    private readonly client: OpenAI,
    readonly model: string,
    private readonly stocks: StocksProvider,
  ) {}

  // A quote is the same for everyone, unless the question is about the caller's own tickers.
  cacheScope(input: { query: string }): 'global' | 'user' {
    return PERSONAL.test(input.query) ? 'user' : 'global';
  }

  async run(input: ThinkerInput): Promise<ThinkerResult> {
    const response = await runChatAgent(this.client, {
      model: this.model,
      system: `You are a stock market specialist. Look up symbols with search_symbol when unsure, then get_quote; never invent prices. ${SPOKEN_STYLE}`,
      user: `Caller: ${describeCaller(input.context)}.\nQuestion: ${input.query}`,
      tools: [
        {
          name: 'search_symbol',
          description: 'Find ticker symbols for a company name.',
          parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
          run: (a, signal) => this.stocks.search(String(a.text ?? ''), signal),
        },
        {
          name: 'get_quote',
          description: 'Latest price and daily change for a ticker symbol.',
          parameters: { type: 'object', properties: { symbol: { type: 'string' } }, required: ['symbol'], additionalProperties: false },
          run: (a, signal) => this.stocks.quote(String(a.symbol ?? ''), signal),
        },
      ],
      signal: input.signal,
    });
    return { response };
  }
}
