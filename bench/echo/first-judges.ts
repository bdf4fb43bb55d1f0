/**
 * One fresh process: (with --warm, after warmUpEchoDetector) a new echo detector's first
 * judgements of a call, timed; prints one JSON line {warm, judge_ms: [...]}. Driven by
 * warm-up-bench.ts.
 */
import { warmUpEchoDetector } from '../../agent/audio/echo-warm-up.js';
import { EchoDetector } from '../../agent/audio/echo.js';

const warm = process.argv.includes('--warm');
if (warm) warmUpEchoDetector();
const d = new EchoDetector();
// audio unlike the warm-up's: noise bursts under a slow level contour
let seed = 12345;
const noise = (n: number, amp: number) =>
  new Int16Array(n).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return Math.round(((seed / 2 ** 32) * 2 - 1) * amp);
  });
let at = 0;
const judgeMs: number[] = [];
for (let turn = 0; turn < 12; turn++) {
  for (let k = 0; k < 250; k++) {
    d.output(noise(480, 2000 + 6000 * Math.abs(Math.sin(k / 9))), at);
    at += 20;
  }
  d.beginTurn(noise(1600, 500));
  for (let k = 0; k < 125; k++) d.turnAudio(noise(320, 1500 + 5000 * Math.abs(Math.sin(k / 6 + turn))));
  at += 2500;
  const t = performance.now();
  d.judge(at, 2500);
  judgeMs.push(Math.round((performance.now() - t) * 100) / 100);
}
console.log(JSON.stringify({ warm, judge_ms: judgeMs }));
