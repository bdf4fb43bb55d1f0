import type OpenAI from 'openai';
import type { ContextUpdate } from '../context/types.js';
import { runChatAgent } from './chat-agent.js';
import { describeCaller, SPOKEN_STYLE, today } from './prompt.js';
import { rememberTool } from './remember-tool.js';
import type { Thinker, ThinkerInput, ThinkerResult } from './types.js';

/** Knowledge: answers from the conversation so far, the caller's memory, and general knowledge. */
export class KnowledgeThinker implements Thinker {
  readonly domain = 'knowledge' as const;
  readonly timeoutMs = 12_000;
  // Built from this caller's memory and this call: never cached, never shared.
  readonly cacheTtlS = 0;

  constructor(
    private readonly client: OpenAI,
    readonly model: string,
  ) {}

  cacheScope(): 'user' {
    return 'user';
  }

  async run(input: ThinkerInput): Promise<ThinkerResult> {
    const c = input.context;
    const update: ContextUpdate = {};
    const memory = [
      `About the caller: ${describeCaller(c)}.`,
      c.facts.length ? `Remembered facts: ${c.facts.map((f) => f.text).join('; ')}.` : 'No remembered facts.',
      c.summary ? `Earlier calls, summarised: ${c.summary}` : '',
      input.recent.length ? `This call so far:\n${input.recent.join('\n')}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    const response = await runChatAgent(this.client, {
      model: this.model,
      system: `You are the knowledge specialist of a voice assistant. Today is ${today()}. Answer from the caller's memory and the conversation when the question is about them, otherwise from general knowledge; say plainly when you do not know. When the caller states something about themselves worth keeping, call remember. ${SPOKEN_STYLE}`,
      user: `${memory}\n\nQuestion: ${input.query}`,
      tools: [rememberTool(update)],
      signal: input.signal,
    });
    return { response, ...(Object.keys(update).length ? { contextUpdate: update } : {}) };
  }
}
