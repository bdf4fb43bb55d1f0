import { beforeAll, describe, expect, it } from 'vitest';
import { speak } from '../../speech/clips.js';
import { rng } from '../util/rng.js';
import { EchoDetector } from './echo.js';
import { concatPcm } from './pcm.js';

const OUT_RATE = 24_000;
const IN_RATE = 16_000;
const T0 = 1_000_000;

/** Plays `pcm` (24 kHz) through the detector's output side as 20 ms pacer frames from wall ms `at`. */
function play(d: EchoDetector, pcm: Int16Array, at: number): number {
  const frame = new Int16Array(480);
  let t = at;
  for (let i = 0; i < pcm.length; i += 480, t += 20) {
    frame.fill(0);
    frame.set(pcm.subarray(i, i + 480));
    d.output(frame, t);
  }
  return t;
}

/**
 * What comes back of the agent's audio: 24 → 16 kHz, smoothed (a codec's band limit and
 * concealment smear it), at another gain, with noise on top. Opus's own work is not modelled
 * sample for sample: an envelope comparison does not see the waveform.
 */
function degrade(pcm24: Int16Array, o: { gain: number; noiseRms: number; seed: number }): Int16Array {
  const rand = rng(o.seed);
  const n = Math.floor((pcm24.length * IN_RATE) / OUT_RATE);
  const out = new Int16Array(n);
  let lp = 0;
  for (let i = 0; i < n; i++) {
    const x = (i * OUT_RATE) / IN_RATE;
    const j = Math.floor(x);
    const f = x - j;
    const s = (pcm24[j] ?? 0) * (1 - f) + (pcm24[j + 1] ?? 0) * f;
    lp += 0.35 * (s - lp); // one pole around 2.5 kHz at 16 kHz
    const noise = (rand() + rand() + rand() - 1.5) * 2 * o.noiseRms;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(lp * o.gain + noise)));
  }
  return out;
}

const silence16 = (ms: number) => new Int16Array((IN_RATE * ms) / 1000);
const concat = (...xs: Int16Array[]) => concatPcm(xs);

/** A caller turn through the detector's input side (pre-roll, then 256-sample hops), judged at its end. */
function turn(d: EchoDetector, audio16: Int16Array, endAt: number, speechMs: number) {
  const preRoll = (IN_RATE * 300) / 1000;
  d.beginTurn(audio16.subarray(0, preRoll));
  for (let i = preRoll; i < audio16.length; i += 256) d.turnAudio(audio16.subarray(i, i + 256));
  return d.judge(endAt, speechMs);
}

const ms16 = (x: Int16Array) => (x.length / IN_RATE) * 1000;

describe('EchoDetector', () => {
  let answer: Int16Array;
  let other: Int16Array[];
  let shortWord: Int16Array;
  beforeAll(async () => {
    answer = await speak('Sure. It looks mild and sunny today, with a light breeze in the afternoon.', OUT_RATE);
    shortWord = await speak('Okay.', OUT_RATE);
    other = await Promise.all(
      [
        'What is the weather like in Paris tomorrow morning?',
        'Could you tell me how my stocks are doing today?',
        'I would like to hear the latest news about football.',
        'Sure, it looks mild and sunny, with a breeze later on.',
      ].map((q) => speak(q, IN_RATE, 'en-gb')),
    );
  }, 30_000);

  it.each([
    { delayMs: 5_000, gain: 0.25, noiseRms: 60 },
    { delayMs: 180, gain: 1.6, noiseRms: 200 },
    { delayMs: 11_000, gain: 0.5, noiseRms: 30 },
  ])('finds a delayed copy of what the pacer sent at its lag ($delayMs ms, gain $gain, noise $noiseRms)', ({ delayMs, gain, noiseRms }) => {
    const d = new EchoDetector();
    play(d, answer, T0);
    // the copy comes back delayed, with a little silence around it as the gate hands it over
    const echoed = concat(silence16(300), degrade(answer, { gain, noiseRms, seed: delayMs }), silence16(300));
    const startAt = T0 + delayMs - 300;
    const v = turn(d, echoed, startAt + ms16(echoed), ms16(echoed) - 600);
    expect(v.echo).toBe(true);
    expect(v.score).toBeGreaterThan(0.9);
    expect(Math.abs(v.lagMs! - delayMs)).toBeLessThanOrEqual(40);
  });

  it('finds an echo whose delay moves inside the turn (a stall inserts gaps, everything after comes later)', () => {
    const d = new EchoDetector();
    play(d, answer, T0);
    const copy = degrade(answer, { gain: 0.5, noiseRms: 60, seed: 5 });
    const third = Math.floor(copy.length / 3);
    const warped = concat(
      silence16(300),
      copy.subarray(0, third),
      silence16(140), // the far end stalled
      copy.subarray(third, 2 * third),
      silence16(100), // and again
      copy.subarray(2 * third),
      silence16(300),
    );
    const v = turn(d, warped, T0 + 5_000 - 300 + ms16(warped), ms16(warped) - 600);
    expect(v.echo).toBe(true);
    expect(v.score).toBeGreaterThan(0.85);
    expect(v.lagMs).toBeGreaterThanOrEqual(5_000);
    expect(v.lagMs).toBeLessThanOrEqual(5_260);
  });

  it('does not call different speech echo, even in a voice like the agent’s and right after it spoke', () => {
    const scores: number[] = [];
    for (const [i, q] of other.entries()) {
      const d = new EchoDetector();
      // the agent spoke, paused, spoke again: 10 s of history with speech at every lag
      const end = play(d, answer, play(d, answer, T0) + 800);
      const audio = concat(silence16(300), addNoise(q, 60, i), silence16(300));
      const v = turn(d, audio, end + 1_500 + ms16(audio), ms16(audio) - 300);
      scores.push(v.score ?? 0);
      expect(v.echo).toBe(false);
    }
    // a margin, not a coin toss: the nearest miss stays well under the threshold
    expect(Math.max(...scores)).toBeLessThan(0.7);
  });

  it('a turn too short to judge alone is never called echo, until a longer turn has shown the echo path', () => {
    const d = new EchoDetector();
    const wordEnd = play(d, shortWord, T0);
    const copy = concat(silence16(300), degrade(shortWord, { gain: 0.4, noiseRms: 40, seed: 3 }), silence16(300));
    const short = turn(d, copy, T0 + 5_000 - 300 + ms16(copy), ms16(copy) - 600);
    expect(ms16(copy) - 600).toBeLessThan(800);
    expect(short.echo).toBe(false);
    expect(d.knownLagMs).toBeNull();

    // a long echo shows the path (5 s); the same short word echoed along it is then caught
    const answerAt = wordEnd + 10_000;
    play(d, answer, answerAt);
    const long = concat(silence16(300), degrade(answer, { gain: 0.4, noiseRms: 40, seed: 4 }), silence16(300));
    expect(turn(d, long, answerAt + 5_000 - 300 + ms16(long), ms16(long) - 600).echo).toBe(true);
    expect(d.knownLagMs).toBeCloseTo(5_000, -2);
    // (time only moves on: the next line is said after that echo was judged)
    const wordAt = answerAt + 5_000 + ms16(long) + 1_000;
    play(d, shortWord, wordAt);
    const again = turn(d, copy, wordAt + 5_000 - 300 + ms16(copy), ms16(copy) - 600);
    expect(again).toMatchObject({ echo: true, knownPath: true });
    // and a different short word along that path is not
    const word2At = wordAt + 5_000 + ms16(copy) + 1_000;
    play(d, shortWord, word2At);
    const yes = concat(silence16(300), addNoise(other[1]!.subarray(0, 9_000), 40, 9), silence16(300));
    expect(turn(d, yes, word2At + 5_000 - 300 + ms16(yes), 560).echo).toBe(false);
  });

  it('a short line (under 2 s) comes back: found by the full search, as it matches far above 0.9', async () => {
    const line = await speak('How can I help?', OUT_RATE);
    const d = new EchoDetector();
    play(d, line, T0);
    const echoed = concat(silence16(300), degrade(line, { gain: 0.4, noiseRms: 50, seed: 7 }), silence16(300));
    const startAt = T0 + 5_000 - 300;
    const v = turn(d, echoed, startAt + ms16(echoed), ms16(echoed) - 600);
    expect(ms16(echoed) - 600).toBeLessThan(2000);
    expect(v).toMatchObject({ echo: true, knownPath: false });
    expect(Math.abs(v.lagMs! - 5_000)).toBeLessThanOrEqual(40);
  });

  it('the cluster test’s case: a 1.2 s question five seconds after a short answer is the caller, not echo', async () => {
    const reply = await speak('Sure, here is the answer.', OUT_RATE);
    const question = await speak('What time is it?', IN_RATE, 'en-gb');
    const d = new EchoDetector();
    const end = play(d, reply, T0);
    const asked = concat(silence16(300), question, silence16(300));
    const v = turn(d, asked, end + 5_000 + ms16(asked), ms16(question));
    expect(v.echo).toBe(false);
  });

  it('nothing sent, nothing echoed: a turn while the agent was silent is compared with nothing', () => {
    const d = new EchoDetector();
    const v = turn(d, concat(silence16(300), other[0]!, silence16(300)), T0 + 20_000, 2_500);
    expect(v).toMatchObject({ echo: false, score: null });
  });
});

function addNoise(x: Int16Array, rms: number, seed: number): Int16Array {
  const rand = rng(seed);
  return x.map((s) => Math.max(-32768, Math.min(32767, s + Math.round((rand() + rand() + rand() - 1.5) * 2 * rms))));
}
