/**
 * What a call's first echo judgements cost on the turn's critical path (speech end → commit), with
 * and without the idle process's warm-up (`agent/audio/echo-warm-up.ts`): fresh processes, cold and
 * warmed in alternation, each timing a new detector's first 12 judgements. The control is the same
 * processes' own steady state (judgements 9–12, compiled either way): the machine's speed then.
 *
 *   npm run bench:echo-warm-up [-- --pairs 6]
 * Last line: one JSON object (cold_first3_ms_p50, warm_first3_ms_p50, cold_steady_ms_p50,
 * warm_steady_ms_p50, pairs).
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';

const { values: a } = parseArgs({ options: { pairs: { type: 'string', default: '6' } } });
const pairs = Number(a.pairs);
const run = (warm: boolean): number[] => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/echo/first-judges.ts', ...(warm ? ['--warm'] : [])], {
    encoding: 'utf8',
  });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { judge_ms: number[] }).judge_ms;
};
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const r2 = (x: number) => Math.round(x * 100) / 100;
const rows: { warm: boolean; first3: number; steady: number }[] = [];
for (let i = 0; i < pairs; i++) {
  for (const warm of i % 2 === 0 ? [false, true] : [true, false]) {
    const ms = run(warm);
    rows.push({ warm, first3: r2(sum(ms.slice(0, 3))), steady: r2(sum(ms.slice(8)) / 4) });
  }
}
const pick = (warm: boolean, k: 'first3' | 'steady') => r2(median(rows.filter((r) => r.warm === warm).map((r) => r[k])));
const out = {
  pairs,
  cold_first3_ms_p50: pick(false, 'first3'),
  warm_first3_ms_p50: pick(true, 'first3'),
  cold_steady_ms_p50: pick(false, 'steady'),
  warm_steady_ms_p50: pick(true, 'steady'),
};
console.log("A call's first three echo judgements (ms, summed) in fresh processes; steady state = a judgement among the 9th–12th");
console.log('| process | first three, each run | median | steady, median |\n|---|---|---|---|');
for (const warm of [false, true])
  console.log(
    `| ${warm ? 'warmed up' : 'cold'} | ${rows
      .filter((r) => r.warm === warm)
      .map((r) => r.first3)
      .join(', ')} | ${pick(warm, 'first3')} | ${pick(warm, 'steady')} |`,
  );
console.log(JSON.stringify(out));
