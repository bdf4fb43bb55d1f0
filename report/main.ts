import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { latencyChartHtml } from './chart.js';
import { perceivedByGroup } from './metrics.js';
import { readJsonl, readStream } from './records.js';
import { buildReport, formatReport } from './report.js';

/**
 * npm run report [-- --jsonl FILE | --redis URL] [--filler-ms 1000] [--html out/report.html] [--json]
 * Reads turn records and prints the comparison tables; with --json the last line is the report as
 * one JSON object.
 */
const { values: o } = parseArgs({
  options: {
    jsonl: { type: 'string' },
    redis: { type: 'string' },
    'filler-ms': { type: 'string', default: '1000' },
    html: { type: 'string', default: 'out/report.html' },
    json: { type: 'boolean', default: false },
  },
});
const fillerMs = Number(o['filler-ms']);
if (!(fillerMs > 0)) throw new Error('--filler-ms must be a positive number of ms');
const records = o.jsonl ? readJsonl(o.jsonl) : await readStream(o.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const report = buildReport(records, fillerMs);
console.log(formatReport(report));
if (o.html) {
  mkdirSync(dirname(o.html), { recursive: true });
  writeFileSync(o.html, latencyChartHtml(perceivedByGroup(records)));
  console.log(`\nchart: ${o.html}`);
}
if (o.json) console.log(JSON.stringify(report));
