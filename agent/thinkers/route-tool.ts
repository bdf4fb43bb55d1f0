import { llm } from '@livekit/agents';
import { isDomain, type Domain, DOMAINS } from '../context/types.js';

export const ROUTE_TOOL_NAME = 'route_to_thinker';

/** The Responder's one tool, as a Realtime function definition. */
export const ROUTE_TOOL_DESCRIPTION =
  'Hand a question to a specialist that works in the background: weather (conditions and forecasts), stocks (quotes), ' +
  'news (headlines), knowledge (facts about the caller or this conversation, general knowledge), research (questions that need a longer investigation). ' +
  'The answer comes back later; meanwhile tell the caller briefly that you are checking.';

export const ROUTE_TOOL_PARAMETERS = {
  type: 'object',
  properties: {
    domain: { type: 'string', enum: [...DOMAINS], description: 'Which specialist.' },
    query: { type: 'string', description: 'The question, rephrased so that it stands alone (include place names, tickers, dates).' },
  },
  required: ['domain', 'query'],
  additionalProperties: false,
} as const;

export interface RouteRequest {
  domain: Domain;
  query: string;
  /** Why the request is not exactly what the model sent (unknown domain, malformed JSON...). */
  problem?: string;
}

const MAX_QUERY = 500;

/**
 * Reads the tool's arguments as the model sent them. Never throws: an unknown or missing domain
 * goes to knowledge, malformed JSON is salvaged as the query text, an over-long query is cut.
 */
export function parseRouteArgs(raw: string): RouteRequest {
  let args: unknown;
  try {
    args = JSON.parse(raw);
  } catch {
    const text = raw
      .replace(/[{}"\\]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return { domain: 'knowledge', query: text.slice(0, MAX_QUERY), problem: 'malformed JSON arguments' };
  }
  const a = (args && typeof args === 'object' ? args : {}) as { domain?: unknown; query?: unknown };
  const query = typeof a.query === 'string' ? a.query.trim().slice(0, MAX_QUERY) : '';
  const domainRaw = typeof a.domain === 'string' ? a.domain.trim().toLowerCase() : a.domain;
  const problems: string[] = [];
  if (!query) problems.push('missing query');
  if (!isDomain(domainRaw)) problems.push(`unknown domain ${JSON.stringify(a.domain ?? null)}`);
  return {
    domain: isDomain(domainRaw) ? domainRaw : 'knowledge',
    query,
    ...(problems.length ? { problem: problems.join(', ') } : {}),
  };
}

/**
 * The tool as the Realtime session declares it. It is never executed by the framework: the
 * dispatcher runs thinkers in the background and answers the call itself.
 */
export function routeTool() {
  return llm.tool({
    description: ROUTE_TOOL_DESCRIPTION,
    parameters: ROUTE_TOOL_PARAMETERS as unknown as Record<string, unknown>,
    execute: async () => {
      throw new Error('route_to_thinker is answered by the ThinkerDispatcher, not executed inline');
    },
  });
}

/** The thinkers' tool alone (the call declares it with its own: agent/call/tools.ts). */
export function routeToolContext(): llm.ToolContext {
  return new llm.ToolContext({ [ROUTE_TOOL_NAME]: routeTool() });
}
