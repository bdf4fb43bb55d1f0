import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstChannel, parseWav } from '../agent/audio/wav.js';
import { rng } from '../agent/util/rng.js';
import { powerBandwidth } from './spectrum.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-spectrum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** White noise band-limited by SoX's sinc filter, at a given rate. */
function noise(rate: number, lowpassHz: number): Int16Array {
  const out = join(dir, `n-${rate}-${lowpassHz}.wav`);
  execFileSync('sox', [
    '-n',
    '-r',
    String(rate),
    '-b',
    '16',
    '-c',
    '1',
    out,
    'synth',
    '3',
    'whitenoise',
    'vol',
    '0.5',
    'sinc',
    `-${lowpassHz}`,
  ]);
  return firstChannel(parseWav(readFileSync(out)));
}

describe('99 % power bandwidth', () => {
  it.each([
    [48_000, 8000],
    [48_000, 4000],
    [16_000, 3400],
    [8_000, 3000],
  ])('noise at %i Hz low-passed at %i Hz lands just under the cut-off', (rate, cut) => {
    const b = powerBandwidth(noise(rate, cut), rate);
    expect(b.bandwidthHz).toBeGreaterThan(cut * 0.93);
    expect(b.bandwidthHz).toBeLessThan(cut * 1.04);
  });

  it('a pure tone is as narrow as the analysis allows; pauses do not count', () => {
    const rate = 24_000;
    const rand = rng(3);
    const s = new Int16Array(rate * 2);
    for (let i = 0; i < rate; i++) s[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / rate));
    for (let i = rate; i < s.length; i++) s[i] = Math.round((rand() - 0.5) * 4); // near-silent noise
    const b = powerBandwidth(s, rate);
    expect(Math.abs(b.bandwidthHz - 1000)).toBeLessThan(60);
  });
});
