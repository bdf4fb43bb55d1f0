import type { z } from 'zod';
import { closestName } from './closest-name.js';
import { ALL_SETTINGS, OWN_PREFIX, type Setting } from './settings.js';

/** What the environment gave for each setting of `table` that is set (unset and empty names are absent). */
export type Values<T extends Record<string, Setting>> = { [K in keyof T]?: z.output<T[K]['schema']> };

/** Every problem with an environment at once, one line each, so a deployment is fixed in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads `table`'s names from `env`. Refuses, together: a value of the wrong type or out of range,
 * and a name with our prefix that the project does not know (a typo would otherwise be ignored
 * silently and its default used), naming the closest known one.
 */
export function readSettings<T extends Record<string, Setting>>(env: NodeJS.ProcessEnv, table: T): Values<T> {
  const problems: string[] = [];
  const known = Object.keys(ALL_SETTINGS);
  for (const name of Object.keys(env)) {
    if (name.startsWith(OWN_PREFIX) && !(name in ALL_SETTINGS)) {
      problems.push(`${name} is not a setting of Parley; did you mean ${closestName(name, known)}?`);
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(table)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = setting.schema.safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}, got "${raw}"`);
  }
  if (problems.length) throw new ConfigError(problems);
  return values as Values<T>;
}
