/** The five specialists the Responder can route to. */
export const DOMAINS = ['weather', 'stocks', 'news', 'knowledge', 'research'] as const;
export type Domain = (typeof DOMAINS)[number];

export type Units = 'metric' | 'imperial';

/** What the caller told us about themselves; every field optional. */
export interface Preferences {
  name?: string;
  location?: string;
  units?: Units;
  /** Ticker symbols the caller follows, upper case. */
  tickers?: string[];
}

/** One remembered fact, deduplicated by its normalised text. */
export interface MemoryFact {
  text: string;
  source: Domain | 'conversation';
  at: number;
}

export interface Signals {
  /** How often each domain was asked about. */
  topics: Partial<Record<Domain, number>>;
  sessionCount: number;
  lastActive: number | null;
}

/** Everything Parley keeps about one caller. */
export interface UserContext {
  userId: string;
  preferences: Preferences;
  /** Newest first, at most MAX_FACTS. */
  facts: MemoryFact[];
  summary: string;
  signals: Signals;
}

/**
 * A change to a user's context, as a thinker (or the session) returns it. Applied field by field,
 * so concurrent writers never overwrite each other's unrelated changes.
 */
export interface ContextUpdate {
  preferences?: Preferences;
  facts?: Array<Pick<MemoryFact, 'text'> & Partial<Pick<MemoryFact, 'source'>>>;
  summary?: string;
  /** Increment these topic counters by one each. */
  topics?: Domain[];
  /** Count a new session and mark the user active. */
  session?: boolean;
}

/** Memory is bounded: the oldest facts go first. */
export const MAX_FACTS = 20;

export function emptyContext(userId: string): UserContext {
  return { userId, preferences: {}, facts: [], summary: '', signals: { topics: {}, sessionCount: 0, lastActive: null } };
}

/**
 * The comparison key of a text (a fact's dedup key, a cached question's key): case, accents,
 * punctuation and spacing do not make a different text.
 */
export function normaliseText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function isDomain(v: unknown): v is Domain {
  return typeof v === 'string' && (DOMAINS as readonly string[]).includes(v);
}
