import { type JobContext, defineAgent, voice } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import { DEFAULT_INSTRUCTIONS } from '../../agent/prompts.js';

/**
 * The peer a user would pick instead of Parley: stock @livekit/agents 1.9, the way its own
 * realtime example is written. `voice.AgentSession` over `openai.realtime.RealtimeModel` at the
 * plugin's defaults (model gpt-realtime, voice marin, turn detection by the server: the plugin's
 * default `semantic_vad`, create_response and interrupt_response on), the standard room I/O, and
 * the same persona as Parley's default. Nothing of Parley is on its call path: only the
 * instructions' text is shared, so both agents are asked to answer alike.
 *
 * The Realtime endpoint comes from the plain environment, as the plugin reads it:
 * OPENAI_BASE_URL (the local stand-in's `${url}/v1`) and OPENAI_API_KEY (any key for the stand-in).
 */
export default defineAgent({
  entry: async (ctx: JobContext) => {
    await ctx.connect();
    const session = new voice.AgentSession({ llm: new openai.realtime.RealtimeModel() });
    await session.start({ room: ctx.room, agent: new voice.Agent({ instructions: DEFAULT_INSTRUCTIONS }) });
  },
});
