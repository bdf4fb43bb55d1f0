import { writeFileSync } from 'node:fs';
import { loadConfig } from '../agent/config/config.js';
import { type Setting, TOOLING_SETTINGS, WEB_SETTINGS, WORKER_SETTINGS } from '../agent/config/settings.js';

/** What the worker says to a bad environment, as it says it (a typo made here, not written out). */
function exampleRefusal(): string {
  try {
    loadConfig({ PARLEY_MAX_JOBS: '0.95', ['PARLEY_VAD_HANGOVER_MS'.replace('ER_MS', 'R_MS')]: '250' });
  } catch (e) {
    return `parley worker: ${(e as Error).message}`;
  }
  throw new Error('the example environment was accepted');
}

/**
 * docs/configuration.md, made from the settings table itself (agent/config/settings.ts), so the
 * page cannot drift from what the worker accepts. `npm run config:doc` rewrites it; a unit test
 * fails when it is stale.
 */
export function configurationPage(): string {
  const table = (settings: Record<string, Setting>) =>
    [
      '| name | value | meaning |',
      '|---|---|---|',
      ...Object.entries(settings).map(([n, s]) => `| \`${n}\` | ${s.value} | ${s.doc} |`),
    ].join('\n');
  return `# Configuration

Everything is read from the environment once, at a composition root (the worker, each job process,
the token server), and validated there: a value of the wrong type or out of range, or a \`PARLEY_*\`
name the project does not know, stops the process with every problem listed, e.g.

\`\`\`
${exampleRefusal()}
\`\`\`

An empty value counts as unset. Every setting is optional: the defaults (\`agent/config/config.ts\`)
run the local stack (dev LiveKit keys, local Redis, the local Realtime stand-in without
\`OPENAI_API_KEY\`). This page is generated from \`agent/config/settings.ts\` (\`npm run config:doc\`).

## The worker and its calls

${table(WORKER_SETTINGS)}

## The token server

${table(WEB_SETTINGS)}

## The project's scripts, test stack and runners

Never read by the worker; listed so that one environment can drive the whole stack.

${table(TOOLING_SETTINGS)}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/configuration.md', import.meta.url), configurationPage());
  console.log('wrote docs/configuration.md');
}
