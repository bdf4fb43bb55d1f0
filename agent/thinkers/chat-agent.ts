import type OpenAI from 'openai';
import { SpokenError } from './types.js';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';

/** A tool a thinker's model may call: JSON-schema parameters, and the code that answers it. */
export interface AgentTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  run(args: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
}

export interface ChatAgentRun {
  model: string;
  system: string;
  user: string;
  tools?: AgentTool[];
  signal: AbortSignal;
  /** Model calls at most (each tool round is one). */
  maxSteps?: number;
}

/**
 * A small tool-using loop over chat completions: ask, run the tools the model calls, give it the
 * results, until it answers in text. A tool that fails is reported to the model as an error
 * (it can still answer, or say it could not); bad tool arguments likewise. A SpokenError ends the
 * run: its words are what the caller should hear, whatever the model would make of them.
 */
export async function runChatAgent(client: OpenAI, run: ChatAgentRun): Promise<string> {
  const tools = run.tools ?? [];
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: run.system },
    { role: 'user', content: run.user },
  ];
  const defs: ChatCompletionTool[] = tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
  const maxSteps = run.maxSteps ?? 4;
  for (let step = 0; step < maxSteps; step++) {
    const last = step === maxSteps - 1;
    const res = await client.chat.completions.create(
      { model: run.model, messages, ...(defs.length && !last ? { tools: defs } : {}) },
      { signal: run.signal },
    );
    const msg = res.choices[0]?.message;
    if (!msg) throw new Error('the model returned no choice');
    const calls = (msg.tool_calls ?? []).filter((c) => c.type === 'function');
    if (!calls.length) {
      const text = msg.content?.trim();
      if (!text) throw new Error(msg.refusal ? `the model refused: ${msg.refusal}` : 'the model returned an empty answer');
      return text;
    }
    messages.push({ role: 'assistant', content: msg.content ?? null, tool_calls: calls });
    for (const call of calls) {
      const tool = tools.find((t) => t.name === call.function.name);
      let output: unknown;
      try {
        if (!tool) throw new Error(`no tool named ${call.function.name}`);
        const args = JSON.parse(call.function.arguments || '{}') as Record<string, unknown>;
        output = await tool.run(args, run.signal);
      } catch (e) {
        // an abort ends the run; a SpokenError (no key, nothing found) is the answer the caller hears
        if (run.signal.aborted || e instanceof SpokenError) throw e;
        output = { error: (e as Error).message };
      }
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(output) });
    }
  }
  throw new Error(`no answer after ${maxSteps} model calls`);
}
