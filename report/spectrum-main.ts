import { parseArgs } from 'node:util';
import { firstChannel, readWav } from '../agent/audio/wav.js';
import { powerBandwidth } from './spectrum.js';

/** npm run spectrum -- a.wav [b.wav ...] [--json]: the 99 % power bandwidth of each file. */
const { values, positionals } = parseArgs({
  options: { json: { type: 'boolean', default: false }, fraction: { type: 'string', default: '0.99' } },
  allowPositionals: true,
});
if (!positionals.length) throw new Error('usage: npm run spectrum -- file.wav [...] [--json]');
const rows = positionals.map((file) => {
  const wav = readWav(file);
  return { file, ...powerBandwidth(firstChannel(wav), wav.sampleRate, Number(values.fraction)) };
});
console.log('| file | sample rate | 99 % power bandwidth | frames |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.file} | ${r.sampleRate} Hz | ${r.bandwidthHz} Hz | ${r.frames} |`);
if (values.json)
  console.log(JSON.stringify({ files: rows.map((r) => ({ file: r.file, sample_rate: r.sampleRate, bandwidth_hz: r.bandwidthHz })) }));
