import { describe, expect, it } from 'vitest';
import { Pacer, type PacerOptions } from './pacer.js';
import { FakeSink, ManualClock, ramp, rng } from './testing.js';

const SPF = 480; // 20 ms at 24 kHz
const ms = (n: number) => n * 24; // samples in n ms at 24 kHz

function setup(opts: PacerOptions = {}) {
  const clock = new ManualClock();
  const sink = new FakeSink(clock);
  const pacer = new Pacer(sink, { clock, ...opts });
  const events: string[] = [];
  const firstFrames: [string, number][] = [];
  pacer.on('first-frame', (id, at) => {
    events.push(`first:${id}@${clock.now()}`);
    firstFrames.push([id, at]);
  });
  pacer.on('underrun', (id) => events.push(`underrun:${id}@${clock.now()}`));
  pacer.on('drained', (id) => events.push(`drained:${id}@${clock.now()}`));
  return { clock, sink, pacer, events, firstFrames };
}

const isSilence = (d: Int16Array) => d.every((s) => s === 0);

describe('Pacer framing', () => {
  it('cuts arbitrary chunks into exact frames: output = input + zero padding at the tail only', async () => {
    for (const seed of [1, 2, 3]) {
      const { clock, sink, pacer, events } = setup();
      const rand = rng(seed);
      const input = ramp(ms(3000) + 123);
      let pushed = 0;
      // bursts of random chunks (1 sample .. 200 ms) at random moments, faster than real time
      while (pushed < input.length) {
        const burst = 1 + Math.floor(rand() * 4);
        for (let b = 0; b < burst && pushed < input.length; b++) {
          const n = Math.min(input.length - pushed, 1 + Math.floor(rand() * ms(200)));
          pacer.push('r1', input.subarray(pushed, pushed + n));
          pushed += n;
        }
        await clock.advance(Math.floor(rand() * 60));
      }
      pacer.end('r1');
      await clock.advance(5000);

      for (const f of sink.frames) {
        expect(f.samples).toBe(SPF);
        expect(f.data.length).toBe(SPF);
        expect(f.rate).toBe(24_000);
      }
      const audio = sink.frames.filter((f) => !isSilence(f.data));
      expect(audio.length).toBe(Math.ceil(input.length / SPF));
      const out = new Int16Array(audio.length * SPF);
      for (const [i, f] of audio.entries()) out.set(f.data, i * SPF);
      expect(out.subarray(0, input.length)).toEqual(input);
      expect(isSilence(out.subarray(input.length))).toBe(true);
      expect(events.filter((e) => e.startsWith('drained'))).toHaveLength(1);
      expect(pacer.busy).toBe(false);
      expect(sink.maxConcurrent).toBe(1);
    }
  });

  it('honours a configured sample rate (16 kHz → 320-sample frames)', async () => {
    const { clock, sink, pacer } = setup({ sampleRate: 16_000 });
    pacer.push('r', ramp(1000));
    pacer.end('r');
    await clock.advance(200);
    expect(sink.frames.map((f) => f.samples)).toEqual([320, 320, 320, 320]);
    expect(sink.concat().subarray(0, 1000)).toEqual(ramp(1000));
    expect(sink.frames.every((f) => f.rate === 16_000)).toBe(true);
  });
});

describe('Pacer schedule', () => {
  it('primes lead+1 frames at once, then one frame every 20 ms on absolute deadlines', async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(0);
    expect(sink.frames.map((f) => f.at)).toEqual([0, 0, 0]);
    // wake up in odd steps: deadlines are absolute, so odd steps never shift the schedule
    for (let t = 0; t < 200; t += 7) await clock.advance(7);
    const at = sink.frames.map((f) => f.at);
    expect(at.slice(3, 12)).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(pacer.stats().cadence.maxAbsMs).toBe(0);
  });

  it('a slow capture delays only its own frame; the schedule is caught up after it', async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(0);
    await clock.advance(20); // frame 3 at 20
    sink.hold = true;
    await clock.advance(20); // frame 4 at 40, its capture hangs
    await clock.advance(25); // 65: frames 5 (due 60) waits for the capture
    expect(sink.frames.length).toBe(5);
    sink.hold = false;
    sink.release();
    await clock.advance(0); // frame 5 goes now (5 ms late) …
    await clock.advance(15); // … and frame 6 is back on its deadline, 80
    expect(sink.frames.map((f) => f.at).slice(4)).toEqual([40, 65, 80]);
    expect(pacer.stats().cadence.maxAbsMs).toBe(5);
  });

  it('waits for the prebuffer before the first frame', async () => {
    const { clock, sink, pacer, events } = setup({ prebufferMs: 60 });
    pacer.push('r', ramp(ms(40)));
    await clock.advance(10);
    expect(sink.frames).toHaveLength(0);
    pacer.push('r', ramp(ms(20)));
    await clock.advance(0);
    expect(sink.frames).toHaveLength(3);
    expect(events[0]).toBe('first:r@10');
  });

  it('starts anyway after the max wait, and a short ended response goes at once', async () => {
    const { clock, sink, pacer } = setup({ prebufferMs: 60, prebufferMaxWaitMs: 80 });
    pacer.push('slow', ramp(ms(25)));
    await clock.advance(79);
    expect(sink.frames).toHaveLength(0);
    await clock.advance(1);
    expect(sink.frames.map((f) => f.at)).toEqual([80]);
    pacer.end('slow');
    await clock.advance(0);
    expect(sink.frames).toHaveLength(2); // the 5 ms tail, padded

    const b = setup({ prebufferMs: 60 });
    b.pacer.push('short', ramp(ms(10)));
    await b.clock.advance(5);
    expect(b.sink.frames).toHaveLength(0);
    b.pacer.end('short');
    await b.clock.advance(0);
    expect(b.sink.frames.map((f) => f.at)).toEqual([5]);
    expect(b.sink.frames[0].data.subarray(0, ms(10))).toEqual(ramp(ms(10)));
    expect(isSilence(b.sink.frames[0].data.subarray(ms(10)))).toBe(true);
  });

  it('reports first-frame with the wall-clock time of the hand-off', async () => {
    const { clock, pacer, firstFrames } = setup();
    await clock.advance(1234);
    pacer.push('r', ramp(ms(100)));
    await clock.advance(0);
    expect(firstFrames).toEqual([['r', clock.wallBase + 1234]]);
  });
});

describe('Pacer underrun', () => {
  it('counts an underrun mid-response once, pads silence only when the sink is about to run dry, resumes', async () => {
    const { clock, sink, pacer, events } = setup();
    const a = ramp(ms(100));
    pacer.push('r', a);
    await clock.advance(0); // 3 frames at 0; frames 3, 4 at 20, 40 finish the 100 ms
    await clock.advance(40);
    expect(sink.frames.length).toBe(5);
    await clock.advance(20); // 60: frame 5 due, nothing queued → underrun
    expect(events).toContain('underrun:r@60');
    expect(sink.frames.length).toBe(5); // the sink still holds 40 ms: nothing padded yet
    await clock.advance(30); // frame 5 was to start playing at 100: silence at 90
    expect(sink.frames.length).toBe(6);
    expect(sink.frames[5].at).toBe(90);
    expect(isSilence(sink.frames[5].data)).toBe(true);
    await clock.advance(20); // next silence at 110 (one per period while it lasts)
    expect(sink.frames.length).toBe(7);
    expect(events.filter((e) => e.startsWith('underrun'))).toHaveLength(1);
    expect(pacer.busy).toBe(true); // an underrun is not the end of speech

    const b = ramp(ms(200), 5000);
    pacer.push('r', b); // at 110: overdue frames go back to back, the cushion is restored
    await clock.advance(0);
    const resumed = sink.frames.slice(7);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(resumed.every((f) => f.at === 110)).toBe(true);
    pacer.end('r');
    await clock.advance(1000);
    expect(events.filter((e) => e.startsWith('underrun'))).toHaveLength(1);
    expect(pacer.stats().underruns).toBe(1);
    expect(pacer.stats().silenceFrames).toBe(2);
    // the audio itself is intact around the silence
    const audio = sink.frames.filter((f) => !isSilence(f.data));
    const out = new Int16Array(audio.length * SPF);
    for (const [i, f] of audio.entries()) out.set(f.data, i * SPF);
    expect(out.subarray(0, a.length)).toEqual(a);
    expect(out.subarray(a.length, a.length + b.length)).toEqual(b);
    // silence is not the response's audio: played = 300 ms
    expect(pacer.playedMs('r')).toBe(300);
  });

  it('a response that runs dry and then ends is a tail, not an underrun, if it ends in time', async () => {
    const { clock, pacer, events } = setup();
    pacer.push('r', ramp(ms(60)));
    await clock.advance(10);
    pacer.end('r');
    await clock.advance(500);
    expect(events.filter((e) => e.startsWith('underrun'))).toHaveLength(0);
    expect(events).toContain('drained:r@60');
  });
});

describe('Pacer tail and drained', () => {
  it('zero-pads the last partial frame and reports drained when it has played', async () => {
    const { clock, sink, pacer, events } = setup();
    pacer.push('r', ramp(ms(50)));
    pacer.end('r');
    await clock.advance(0);
    expect(sink.frames).toHaveLength(3);
    expect(sink.frames[2].data.subarray(0, ms(10))).toEqual(ramp(ms(50)).subarray(ms(40)));
    expect(isSilence(sink.frames[2].data.subarray(ms(10)))).toBe(true);
    expect(pacer.busy).toBe(true); // still playing in the sink
    await clock.advance(59);
    expect(events.some((e) => e.startsWith('drained'))).toBe(false);
    await clock.advance(1);
    expect(events).toContain('drained:r@60');
    expect(pacer.busy).toBe(false);
    expect(pacer.playedMs('r')).toBe(50); // the padding is not counted
  });

  it('an end with no audio at all drains without frames', async () => {
    const { clock, sink, pacer, events } = setup();
    pacer.push('r', new Int16Array(0));
    pacer.end('r');
    await clock.advance(1);
    expect(sink.frames).toHaveLength(0);
    expect(events).toEqual(['drained:r@0']);
  });
});

describe('Pacer flush', () => {
  it('is immediate: clears the sink, drops everything queued, no drained, late chunks dropped', async () => {
    const { clock, sink, pacer, events } = setup();
    pacer.push('r', ramp(ms(2000)));
    await clock.advance(100);
    const before = sink.frames.length;
    pacer.flush();
    expect(sink.clears).toBe(1);
    expect(pacer.busy).toBe(false);
    pacer.push('r', ramp(ms(500))); // a late delta of the flushed response
    pacer.end('r');
    await clock.advance(3000);
    expect(sink.frames.length).toBe(before);
    expect(events.filter((e) => e.startsWith('drained'))).toHaveLength(0);
    expect(pacer.stats().droppedChunks).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('clears the sink again when a capture in flight at the flush settles', async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(30);
    sink.hold = true;
    await clock.advance(10); // frame at 40 hangs in captureFrame
    pacer.flush();
    expect(sink.clears).toBe(1);
    sink.hold = false;
    sink.release();
    await clock.advance(0);
    expect(sink.clears).toBe(2);
  });

  it('the next response after a flush starts at once on a fresh schedule', async () => {
    const { clock, sink, pacer, events } = setup();
    pacer.push('a', ramp(ms(1000)));
    await clock.advance(50);
    pacer.flush();
    await clock.advance(5);
    pacer.push('b', ramp(ms(200)));
    await clock.advance(0);
    expect(sink.frames.filter((f) => f.at === 55)).toHaveLength(3);
    expect(events).toContain('first:b@55');
  });
});

describe('Pacer played position', () => {
  it('is what has played: handed over minus what the sink still holds, within a frame', async () => {
    const { clock, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(0);
    expect(pacer.playedMs('r')).toBe(0); // 60 ms handed, none played
    for (const t of [7, 20, 33, 250, 599]) {
      await clock.advance(t - clock.now());
      expect(pacer.playedMs('r')).toBe(t);
    }
    pacer.flush();
    await clock.advance(100);
    expect(pacer.playedMs('r')).toBe(599); // frozen at the flush
    expect(pacer.playedMs('unknown')).toBe(0);
  });

  it('counts from the sink start even when frames were handed late after an underrun', async () => {
    const { clock, pacer } = setup();
    pacer.push('r', ramp(ms(60)));
    await clock.advance(200); // 60 ms played by 60; silence padded from 50 on
    expect(pacer.playedMs('r')).toBe(60);
    pacer.push('r', ramp(ms(100)));
    await clock.advance(0);
    expect(pacer.playedMs('r')).toBe(60);
    await clock.advance(30);
    // the sink still held padding silence ahead of the new audio: less than 30 ms of it played
    const p = pacer.playedMs('r');
    expect(p).toBeGreaterThanOrEqual(60 + 30 - 20);
    expect(p).toBeLessThanOrEqual(90);
  });
});

describe('Pacer responses', () => {
  it('plays two responses back to back on one schedule, in order, each drained once', async () => {
    const { clock, sink, pacer, events } = setup();
    pacer.push('a', ramp(ms(100)));
    await clock.advance(10);
    pacer.push('b', ramp(ms(100), 9000)); // arrives while a plays
    pacer.end('a');
    await clock.advance(10);
    pacer.end('b');
    await clock.advance(1000);
    const at = sink.frames.map((f) => f.at);
    expect(at).toEqual([0, 0, 0, 20, 40, 60, 80, 100, 120, 140]);
    expect(sink.concat()).toEqual(new Int16Array([...ramp(ms(100)), ...ramp(ms(100), 9000)]));
    expect(events).toEqual(['first:a@0', 'first:b@60', 'drained:a@100', 'drained:b@200']);
    expect(pacer.playedMs('a')).toBe(100);
    expect(pacer.playedMs('b')).toBe(100);
  });

  it('a response that is not ready when the previous ends starts afresh with its prebuffer', async () => {
    const { clock, sink, pacer, events } = setup();
    pacer.push('a', ramp(ms(40)));
    pacer.end('a');
    await clock.advance(0);
    pacer.push('b', ramp(ms(20)));
    await clock.advance(30);
    expect(sink.frames).toHaveLength(2);
    pacer.push('b', ramp(ms(40)));
    pacer.end('b');
    await clock.advance(0);
    // b starts playing when a's audio has played (40): its first frames go now, queued behind a
    expect(sink.frames.slice(2).map((f) => f.at)).toEqual([30, 30]);
    await clock.advance(200);
    expect(events.filter((e) => e.startsWith('drained'))).toEqual(['drained:a@40', 'drained:b@100']);
  });

  it('drops audio pushed after its response ended', async () => {
    const { clock, pacer } = setup();
    pacer.push('r', ramp(ms(100)));
    pacer.end('r');
    pacer.push('r', ramp(ms(100)));
    await clock.advance(500);
    expect(pacer.playedMs('r')).toBe(100);
    pacer.push('r', ramp(ms(100)));
    expect(pacer.stats().droppedChunks).toBe(2);
    expect(pacer.busy).toBe(false);
  });
});

describe('Pacer audible gaps', () => {
  /**
   * Plays a 2 s answer on a punctual clock; right after the hand-off at loop step `t` the event loop
   * stalls for what the sink holds plus `holes[t]` ms: the sink then runs dry for exactly that long
   * (a negative value: a stall the cushion absorbs).
   */
  async function play(holes: Record<number, number>) {
    const { clock, pacer } = setup();
    pacer.push('r', ramp(ms(2000)));
    pacer.end('r');
    for (let t = 0; t < 2600; t += 20) {
      await clock.advance(t === 0 ? 0 : 20);
      const hole = holes[t];
      if (hole !== undefined) clock.stall(pacer.sinkQueuedMs + hole);
    }
    await clock.advance(1000);
    return pacer.stats();
  }

  it('finds exactly the holes put into an answer: 3 × 20 ms and 1 × 60 ms', async () => {
    const s = await play({ 200: 20, 500: 20, 900: 20, 1300: 60 });
    expect(s.audibleGaps).toBe(4);
    expect(s.audibleGapMs).toBe(120);
    expect(s.audioMs).toBe(2000);
  });

  it('finds none in clean playback, nor where the cushion absorbs a stall', async () => {
    expect((await play({})).audibleGaps).toBe(0);
    // late, but less than what the sink held: the caller hears nothing wrong
    const absorbed = await play({ 400: -10, 800: -5 });
    expect(absorbed.audibleGaps).toBe(0);
    expect(absorbed.audibleGapMs).toBe(0);
  });

  it('counts the silence padded while the model is late as one hole, and no pause between answers', async () => {
    const { clock, pacer } = setup();
    pacer.push('r', ramp(ms(400)));
    await clock.advance(1000); // the 400 ms play, then the sink runs low: padding
    pacer.push('r', ramp(ms(400)));
    pacer.end('r');
    await clock.advance(1000);
    // a second answer after a pause: a new run, its silence before is no hole
    pacer.push('r2', ramp(ms(300)));
    pacer.end('r2');
    await clock.advance(1000);
    const s = pacer.stats();
    expect(s.underruns).toBe(1);
    expect(s.audibleGaps).toBe(1);
    // the padding ran from half a frame before the sink would be dry until the audio came back at 1000 ms
    expect(s.audibleGapMs).toBe(s.silenceFrames * 20);
    expect(s.audibleGapMs).toBeGreaterThanOrEqual(560);
    expect(s.audibleGapMs).toBeLessThanOrEqual(620);
  });
});

describe('Pacer capture wait', () => {
  it("measures the sink's time to accept each frame: a sink that holds one capture 80 ms shows it", async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    pacer.end('r');
    await clock.advance(0);
    await clock.advance(100);
    // the native queue full for 80 ms: the next captureFrame waits that long
    sink.hold = true;
    await clock.advance(20);
    expect(sink.concurrent).toBe(1);
    await clock.advance(80);
    sink.hold = false;
    sink.release();
    await clock.advance(1500);
    const w = pacer.stats().captureWait;
    expect(w.maxMs).toBeGreaterThanOrEqual(80);
    expect(w.maxMs).toBeLessThanOrEqual(100);
    expect(w.p50Ms).toBeLessThanOrEqual(0.05);
  });
});
