import type { ChatReply, ChatRequest } from '../../openai-standin/chat.js';

/** The tool a thinker's model should call first, per domain (by the tools it was offered). */
const FIRST_TOOL: Record<string, { name: string; args: Record<string, unknown> }> = {
  get_weather: { name: 'get_weather', args: { place: 'Paris', days: 2 } },
  get_quote: { name: 'get_quote', args: { symbol: 'AAPL' } },
  get_headlines: { name: 'get_headlines', args: {} },
};

/**
 * A chat model for tests that behaves like a tool-using one: it calls the domain's data tool first,
 * then answers "ANSWER: <what the tool returned>" so tests can see the data went through.
 * Knowledge answers quote the memory block it was given.
 */
export function toolUsingModel(req: ChatRequest): ChatReply {
  const toolResult = [...req.messages].reverse().find((m) => m.role === 'tool');
  if (toolResult) return { content: `ANSWER: ${String(toolResult.content).slice(0, 300)}` };
  const offered = (req.tools ?? []).map((t) => t.function.name);
  const first = offered.map((n) => FIRST_TOOL[n]).find(Boolean);
  if (first) return { toolCalls: [{ name: first.name, arguments: JSON.stringify(first.args) }] };
  const user = String(req.messages.find((m) => m.role === 'user')?.content ?? '');
  return { content: `ANSWER: ${user.slice(0, 300)}` };
}

/** A knowledge model for tests: calls `remember` with `args`, then, given the tool result, says `reply`. */
export function rememberingModel(args: Record<string, unknown>, reply: string): (req: ChatRequest) => ChatReply {
  return (req) =>
    req.messages.some((m) => m.role === 'tool')
      ? { content: reply }
      : { toolCalls: [{ name: 'remember', arguments: JSON.stringify(args) }] };
}
