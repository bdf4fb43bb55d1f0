import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_SETTINGS } from '../agent/config/settings.js';
import { configurationPage } from './config-doc.js';

describe('docs/configuration.md', () => {
  it('is what the settings table gives (run `npm run config:doc` after changing a setting)', () => {
    expect(readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8')).toBe(configurationPage());
  });

  it('names every setting', () => {
    const page = configurationPage();
    for (const name of Object.keys(ALL_SETTINGS)) expect(page).toContain(`| \`${name}\` |`);
  });
});
