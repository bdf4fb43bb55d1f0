import type { UserContext } from './types.js';

/** How the Responder uses its one tool; appended to the base instructions. */
export const ROUTING_INSTRUCTIONS =
  'For weather, stock prices, news, factual questions about the caller or the conversation, and anything needing research, ' +
  'call route_to_thinker with the right domain and the question rephrased so it stands alone. ' +
  'While it works, say only a few words such as "let me check", then keep the conversation going. ' +
  'When a specialist result arrives, tell the caller the answer in one or two short sentences.';

/**
 * The Responder's instructions for this caller: the base persona, how to route, and what we know
 * about the caller. Facts are already redacted (guardrail) before they are stored.
 */
export function renderInstructions(base: string, ctx: UserContext): string {
  const lines: string[] = [base, ROUTING_INSTRUCTIONS];
  const p = ctx.preferences;
  const about: string[] = [];
  if (p.name) about.push(`Their name is ${p.name}.`);
  if (p.location) about.push(`They are in ${p.location}.`);
  if (p.units) about.push(`They prefer ${p.units} units.`);
  if (p.tickers?.length) about.push(`They follow ${p.tickers.join(', ')}.`);
  if (ctx.signals.sessionCount > 1) about.push(`This is call number ${ctx.signals.sessionCount} with them.`);
  if (about.length) lines.push(`About the caller: ${about.join(' ')}`);
  if (ctx.facts.length)
    lines.push(
      `Things they told you before: ${ctx.facts
        .slice(0, 10)
        .map((f) => f.text)
        .join('; ')}.`,
    );
  if (ctx.summary) lines.push(`Earlier conversation, summarised: ${ctx.summary}`);
  return lines.join('\n\n');
}
