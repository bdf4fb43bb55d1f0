import { describe, expect, it } from 'vitest';
import { DOMAINS } from '../context/types.js';
import { parseRouteArgs } from './route-tool.js';

describe('parseRouteArgs', () => {
  it.each(DOMAINS)('routes %s', (d) => {
    expect(parseRouteArgs(JSON.stringify({ domain: d, query: 'q?' }))).toEqual({ domain: d, query: 'q?' });
  });

  it('sends an unknown domain to knowledge and says why', () => {
    const r = parseRouteArgs('{"domain":"sports","query":"who won"}');
    expect(r).toMatchObject({ domain: 'knowledge', query: 'who won' });
    expect(r.problem).toContain('unknown domain "sports"');
  });

  it('tolerates case and spaces in the domain', () => {
    expect(parseRouteArgs('{"domain":" Weather ","query":"rain?"}')).toEqual({ domain: 'weather', query: 'rain?' });
  });

  it('salvages malformed JSON as a knowledge question', () => {
    const r = parseRouteArgs('{"domain": "weather", "query": "rain in Oslo');
    expect(r.domain).toBe('knowledge');
    expect(r.query).toContain('rain in Oslo');
    expect(r.problem).toBe('malformed JSON arguments');
  });

  it('reports a missing query and a non-object', () => {
    expect(parseRouteArgs('{"domain":"news"}')).toMatchObject({ domain: 'news', query: '', problem: 'missing query' });
    expect(parseRouteArgs('42')).toMatchObject({ domain: 'knowledge', query: '' });
  });
});
