import { EchoDetector, type EchoVerdict } from './echo.js';

/**
 * Runs a throwaway echo detector through whole comparisons on synthetic audio, so V8 has compiled
 * its comparison (`alignedMatch`, the envelope accumulators) before a call's first turns need it.
 * Cold, a call's first judgements take 4–10 ms each on the turn's critical path (speech end →
 * commit), the later ones ~0.3 ms (`npm run bench:echo-warm-up`). For an idle job process: a
 * few tens of ms of CPU before any call. Returns the verdicts (each a full comparison: a score).
 */
export function warmUpEchoDetector(turns = 8): EchoVerdict[] {
  const d = new EchoDetector();
  const verdicts: EchoVerdict[] = [];
  let at = 0;
  for (let turn = 0; turn < turns; turn++) {
    // 4 s of a voice-like output, then a 2 s turn with its own rise and fall of level
    for (let k = 0; k < 200; k++) {
      d.output(voiced(480, 24_000, 180 + (k % 11) * 20, 4000 + 3000 * Math.sin(k / 7)), at);
      at += 20;
    }
    d.beginTurn(new Int16Array(1600));
    for (let k = 0; k < 100; k++) d.turnAudio(voiced(320, 16_000, 150 + (k % 7) * 30, 3000 + 2500 * Math.sin(k / 5 + turn)));
    at += 2000;
    verdicts.push(d.judge(at, 2000));
  }
  return verdicts;
}

function voiced(n: number, rate: number, hz: number, amp: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}
