import type { ContextUpdate, Domain, UserContext } from '../context/types.js';

/** What a thinker gets: the question and what we know about the caller and the call. */
export interface ThinkerInput {
  query: string;
  context: UserContext;
  /** Recent lines of this call, oldest first, already redacted ("caller: ...", "agent: ..."). */
  recent: string[];
  signal: AbortSignal;
}

/** What a thinker returns: the answer to speak, and what it learnt about the caller. */
export interface ThinkerResult {
  response: string;
  contextUpdate?: ContextUpdate;
}

/**
 * One specialist: its own model tier, prompt, tools, time budget and cache policy.
 * `cacheScope` says whose answer this is: 'global' answers (a stock quote) may be shared between
 * callers, 'user' answers (weather where the caller is, anything from their memory) never are.
 */
export interface Thinker {
  readonly domain: Domain;
  readonly model: string;
  /** Its own time budget; the dispatcher scales it by PARLEY_THINKER_TIMEOUT_SCALE. */
  readonly timeoutMs: number;
  /** 0 = never cache. */
  readonly cacheTtlS: number;
  cacheScope(input: Omit<ThinkerInput, 'signal'>): 'global' | 'user';
  run(input: ThinkerInput): Promise<ThinkerResult>;
}

/** A failure the caller should hear about in plain words (no key configured, place not found). */
export class SpokenError extends Error {
  constructor(
    message: string,
    readonly spoken: string,
  ) {
    super(message);
  }
}
