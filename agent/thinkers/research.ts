import { setTimeout as sleep } from 'node:timers/promises';
import type OpenAI from 'openai';
import { runChatAgent } from './chat-agent.js';
import { describeCaller, SPOKEN_STYLE, today } from './prompt.js';
import type { Thinker, ThinkerInput, ThinkerResult } from './types.js';

/**
 * Research: a long-running task (plan, investigate for `durationMs`, write up). It is what makes the
 * Responder stall gracefully ("still working") and what a barge-in most often makes stale.
 */
export class ResearchThinker implements Thinker {
  readonly domain = 'research' as const;
  readonly timeoutMs: number;
  readonly cacheTtlS = 1800;

  constructor(
    private readonly client: OpenAI,
    readonly model: string,
    private readonly durationMs: number,
  ) {
    this.timeoutMs = durationMs + 30_000;
  }

  cacheScope(): 'user' {
    return 'user';
  }

  async run(input: ThinkerInput): Promise<ThinkerResult> {
    const plan = await runChatAgent(this.client, {
      model: this.model,
      system: `You plan research. Today is ${today()}. List the three questions that must be answered, one line each.`,
      user: input.query,
      signal: input.signal,
    });
    // the investigation itself: its length is the point (abortable, so a hang-up ends it at once)
    await sleep(this.durationMs, undefined, { signal: input.signal });
    const response = await runChatAgent(this.client, {
      model: this.model,
      system: `You are a research specialist reporting back on a phone call. ${SPOKEN_STYLE}`,
      user: `Caller: ${describeCaller(input.context)}.\nQuestion: ${input.query}\nYour research plan:\n${plan}\nGive the conclusion.`,
      signal: input.signal,
    });
    return { response };
  }
}
