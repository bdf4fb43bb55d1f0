import type OpenAI from 'openai';
import { runChatAgent } from './chat-agent.js';
import { SPOKEN_STYLE, today } from './prompt.js';
import type { NewsProvider } from './providers/news.js';
import type { Thinker, ThinkerInput, ThinkerResult } from './types.js';

/** News: headlines through a tool, summarised for the ear. */
export class NewsThinker implements Thinker {
  readonly domain = 'news' as const;
  readonly timeoutMs = 15_000;
  readonly cacheTtlS = 300;

  constructor(
    private readonly client: OpenAI,
    readonly model: string,
    private readonly news: NewsProvider,
  ) {}

  cacheScope(): 'global' {
    return 'global';
  }

  async run(input: ThinkerInput): Promise<ThinkerResult> {
    const response = await runChatAgent(this.client, {
      model: this.model,
      system: `You are a news editor. Today is ${today()}. Fetch headlines with get_headlines and summarise the two or three that matter most for the question; name sources. ${SPOKEN_STYLE}`,
      user: `Question: ${input.query}`,
      tools: [
        {
          name: 'get_headlines',
          description: 'Current top headlines, optionally about a topic.',
          parameters: { type: 'object', properties: { topic: { type: 'string' } }, additionalProperties: false },
          run: (a, signal) => this.news.headlines(typeof a.topic === 'string' && a.topic ? a.topic : null, signal),
        },
      ],
      signal: input.signal,
    });
    return { response };
  }
}
