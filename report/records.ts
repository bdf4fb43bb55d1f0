import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { TurnRecord } from '../agent/metrics/record.js';
import { TURN_STREAM } from '../agent/metrics/recorder.js';

/** Turn records from a JSONL export (one record per line; blank lines skipped). */
export function readJsonl(path: string): TurnRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as TurnRecord;
      } catch {
        throw new Error(`${path}:${i + 1}: not a JSON turn record`);
      }
    });
}

/** Turn records from the workers' Redis stream, oldest first, read in pages. */
export function readStream(redisUrl: string, stream = TURN_STREAM): Promise<TurnRecord[]> {
  return readJsonStream<TurnRecord>(redisUrl, stream);
}

/** The JSON values of a Redis stream written by the workers (field `json`), oldest first. */
export async function readJsonStream<T>(redisUrl: string, stream: string): Promise<T[]> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    const out: T[] = [];
    let start = '-';
    for (;;) {
      const page = await r.xrange(stream, start, '+', 'COUNT', 5000);
      for (const [, fields] of page) {
        const i = fields.indexOf('json');
        if (i >= 0) out.push(JSON.parse(fields[i + 1]!) as T);
      }
      if (page.length < 5000) return out;
      start = `(${page.at(-1)![0]}`;
    }
  } finally {
    r.disconnect();
  }
}
