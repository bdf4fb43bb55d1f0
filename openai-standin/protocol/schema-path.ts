import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * OpenAI's published Realtime event schemas: ../shared/openai-realtime/realtime-schemas.json
 * beside the project (never committed into it). Null when absent: the stand-in then runs without
 * validation and says so; the tests that rest on it fail rather than skip.
 */
export function findRealtimeSchemas(): string | null {
  const path = fileURLToPath(new URL('../../../shared/openai-realtime/realtime-schemas.json', import.meta.url));
  return existsSync(path) ? path : null;
}
