import type { UserContext } from '../context/types.js';

/** Every thinker's answer is spoken: it must sound like speech. */
export const SPOKEN_STYLE =
  'Your answer will be read aloud on a phone call by another assistant: two or three short sentences, plain words, ' +
  'numbers written as they are said where it helps, no lists, no markup, no URLs.';

/** Today's date for the prompt, so "tomorrow" and "this week" mean something. */
export const today = (now = new Date()) => now.toISOString().slice(0, 10);

/** What we know of the caller, for prompts that may use it. */
export function describeCaller(ctx: UserContext): string {
  const p = ctx.preferences;
  const parts: string[] = [];
  if (p.name) parts.push(`name ${p.name}`);
  if (p.location) parts.push(`location ${p.location}`);
  parts.push(`units ${p.units ?? 'metric'}`);
  if (p.tickers?.length) parts.push(`watched tickers ${p.tickers.join(', ')}`);
  return parts.join('; ');
}
