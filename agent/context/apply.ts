import { MAX_FACTS, normaliseText, type ContextUpdate, type UserContext } from './types.js';

/**
 * Applies an update to an in-memory context with the same rules as the Redis script
 * (redis-store.ts): preferences field by field, facts deduplicated by normalised text and capped
 * (oldest out), topic and session counters incremented. Returns a new object.
 */
export function applyUpdate(ctx: UserContext, u: ContextUpdate, now: number): UserContext {
  const next: UserContext = structuredClone(ctx);
  if (u.preferences) {
    for (const [k, v] of Object.entries(u.preferences)) if (v !== undefined) (next.preferences as Record<string, unknown>)[k] = v;
  }
  if (u.facts?.length) {
    u.facts.forEach((f, i) => {
      const key = normaliseText(f.text);
      if (!key) return;
      const at = now + i / 1000;
      const existing = next.facts.findIndex((x) => normaliseText(x.text) === key);
      if (existing >= 0) {
        // a repeated fact is fresher, not new
        const [fact] = next.facts.splice(existing, 1);
        next.facts.unshift({ ...fact!, at });
      } else {
        next.facts.unshift({ text: f.text.trim(), source: f.source ?? 'conversation', at });
      }
    });
    next.facts.sort((a, b) => b.at - a.at);
    next.facts.length = Math.min(next.facts.length, MAX_FACTS);
  }
  if (u.summary !== undefined) next.summary = u.summary;
  for (const d of u.topics ?? []) next.signals.topics[d] = (next.signals.topics[d] ?? 0) + 1;
  if (u.session) next.signals.sessionCount++;
  next.signals.lastActive = now;
  return next;
}

/** True when an update changes what the Responder should know (its instructions). */
export function changesInstructions(u: ContextUpdate): boolean {
  return Boolean((u.preferences && Object.keys(u.preferences).length) || u.facts?.length || u.summary !== undefined);
}
