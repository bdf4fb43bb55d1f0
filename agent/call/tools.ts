import { llm } from '@livekit/agents';
import { ROUTE_TOOL_NAME, routeTool } from '../thinkers/route-tool.js';
import { TRANSFER_TOOL_DESCRIPTION, TRANSFER_TOOL_NAME, TRANSFER_TOOL_PARAMETERS } from './transfer.js';

/**
 * Every tool the Responder is given on a call: the thinkers' route_to_thinker and the call's own
 * transfer_to_human. Neither is executed by the framework: the dispatcher and the transfer desk
 * answer them (agent/thinkers/dispatcher.ts, agent/call/transfer.ts).
 */
export function callTools(): llm.ToolContext {
  return new llm.ToolContext({
    [ROUTE_TOOL_NAME]: routeTool(),
    [TRANSFER_TOOL_NAME]: llm.tool({
      description: TRANSFER_TOOL_DESCRIPTION,
      parameters: TRANSFER_TOOL_PARAMETERS as unknown as Record<string, unknown>,
      execute: async () => {
        throw new Error('transfer_to_human is answered by the TransferDesk, not executed inline');
      },
    }),
  });
}
