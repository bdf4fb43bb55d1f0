import type { ContextUpdate } from '../context/types.js';
import type { AgentTool } from './chat-agent.js';

/**
 * Lets a thinker's model record what the caller said about themselves. Writes into `into`, which
 * the thinker returns as its context update (the dispatcher redacts and stores it).
 */
export function rememberTool(into: ContextUpdate): AgentTool {
  return {
    name: 'remember',
    description: 'Record something the caller told you about themselves, to use in later calls.',
    parameters: {
      type: 'object',
      properties: {
        fact: { type: 'string', description: 'A short fact in the third person, e.g. "Has two children".' },
        name: { type: 'string' },
        location: { type: 'string' },
        units: { type: 'string', enum: ['metric', 'imperial'] },
        tickers: { type: 'array', items: { type: 'string' } },
      },
      additionalProperties: false,
    },
    run: async (a) => {
      into.preferences ??= {};
      const prefs = into.preferences;
      if (typeof a.name === 'string' && a.name.trim()) prefs.name = a.name.trim().slice(0, 60);
      if (typeof a.location === 'string' && a.location.trim()) prefs.location = a.location.trim().slice(0, 80);
      if (a.units === 'metric' || a.units === 'imperial') prefs.units = a.units;
      if (Array.isArray(a.tickers))
        prefs.tickers = a.tickers
          .filter((t): t is string => typeof t === 'string')
          .map((t) => t.toUpperCase().slice(0, 10))
          .slice(0, 20);
      if (typeof a.fact === 'string' && a.fact.trim()) {
        into.facts ??= [];
        into.facts.push({ text: a.fact.trim().slice(0, 200) });
      }
      if (!Object.keys(prefs).length) delete into.preferences;
      return { ok: true };
    },
  };
}
