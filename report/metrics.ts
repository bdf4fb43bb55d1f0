import type { TurnRecord } from '../agent/metrics/record.js';

export { type Exclusion, figuresOf, type TurnFigures } from '../agent/metrics/figures.js';
import { figuresOf } from '../agent/metrics/figures.js';

/** Perceived latency of every counted turn, by group (for charts). */
export function perceivedByGroup(records: TurnRecord[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const r of records) {
    const f = figuresOf(r);
    if (!('excluded' in f)) m.set(f.group, [...(m.get(f.group) ?? []), f.perceived]);
  }
  return new Map([...m.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
