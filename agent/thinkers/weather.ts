import type OpenAI from 'openai';
import type { AgentTool } from './chat-agent.js';
import { runChatAgent } from './chat-agent.js';
import { describeCaller, SPOKEN_STYLE, today } from './prompt.js';
import type { WeatherProvider } from './providers/open-meteo.js';
import type { Thinker, ThinkerInput, ThinkerResult } from './types.js';

/** Weather: Open-Meteo through a tool; the caller's location and units when the question has none. */
export class WeatherThinker implements Thinker {
  readonly domain = 'weather' as const;
  readonly timeoutMs = 10_000;
  readonly cacheTtlS = 600;

  constructor(
    private readonly client: OpenAI,
    readonly model: string,
    private readonly weather: WeatherProvider,
  ) {}

  // The answer depends on the caller's location and units: never shared.
  cacheScope(): 'user' {
    return 'user';
  }

  async run(input: ThinkerInput): Promise<ThinkerResult> {
    const units = input.context.preferences.units ?? 'metric';
    const home = input.context.preferences.location;
    const tool: AgentTool = {
      name: 'get_weather',
      description: 'Current conditions and a daily forecast for a place.',
      parameters: {
        type: 'object',
        properties: {
          place: { type: 'string', description: 'City or place name; omit for where the caller is.' },
          days: { type: 'integer', minimum: 1, maximum: 7 },
        },
        additionalProperties: false,
      },
      run: async (args, signal) => {
        const name = typeof args.place === 'string' && args.place.trim() ? args.place.trim() : home;
        if (!name) return { error: 'no place given and the caller location is unknown: ask them where' };
        const place = await this.weather.geocode(name, signal);
        if (!place) return { error: `no place called ${name}` };
        return this.weather.forecast(place, units, typeof args.days === 'number' ? args.days : 3, signal);
      },
    };
    const response = await runChatAgent(this.client, {
      model: this.model,
      system: `You are a weather specialist. Today is ${today()}. Use get_weather for every answer; never guess. Use ${units} units. ${SPOKEN_STYLE}`,
      user: `Caller: ${describeCaller(input.context)}.\nQuestion: ${input.query}`,
      tools: [tool],
      signal: input.signal,
    });
    return { response };
  }
}
