import { describe, expect, it } from 'vitest';
import type { HopFrame } from '../../audio/caller-input.js';
import { TwilioMediaIn } from './media-in.js';
import { Upsampler8to16 } from './resample.js';
import { inboundMedia, powerAt, rms, tone } from './testing.js';
import { ULAW_TO_PCM, PCM_TO_ULAW } from './ulaw-tables.js';

const HOP = 256; // TEN VAD's hop: 16 ms at 16 kHz

/** Sends `pcm8k` as Twilio does: messages of `sizes` bytes (cycled), chunk +1, timestamp = ms so far. */
function send(input: TwilioMediaIn, pcm8k: Int16Array, sizes = [160], first = { chunk: 1, ms: 0 }) {
  let at = 0;
  let chunk = first.chunk;
  for (let p = 0; at < pcm8k.length; p++) {
    const n = Math.min(sizes[p % sizes.length]!, pcm8k.length - at);
    input.push(inboundMedia(pcm8k.subarray(at, at + n), chunk++, Math.round(first.ms + at / 8)));
    at += n;
  }
  return { chunk, ms: first.ms + at / 8 };
}

async function readAll(input: TwilioMediaIn): Promise<HopFrame[]> {
  const hops: HopFrame[] = [];
  for await (const h of input.hops) hops.push(h);
  return hops;
}

function join(hops: HopFrame[]): Int16Array {
  const out = new Int16Array(hops.length * HOP);
  for (const [i, h] of hops.entries()) out.set(h.data, i * HOP);
  return out;
}

/** What μ-law then the upsampler make of `pcm8k`, in one piece: the reference for re-framing. */
function expected16k(pcm8k: Int16Array): Int16Array {
  const companded = pcm8k.map((v) => ULAW_TO_PCM[PCM_TO_ULAW[v & 0xffff]!]!);
  const out = new Int16Array(companded.length * 2);
  new Upsampler8to16().process(companded, out);
  return out;
}

describe('TwilioMediaIn framing', () => {
  it('hands over hops of exactly hopSize samples, re-framed across messages of any size', async () => {
    for (const sizes of [[160], [37, 1, 160, 333, 2]]) {
      const input = new TwilioMediaIn({ hopSize: HOP, maxQueuedMs: 60_000 });
      const pcm = tone(440, 8000, 8000).map((v, i) => v + (i % 17) * 50);
      send(input, pcm, sizes);
      input.close();
      const hops = await readAll(input);
      expect(hops.length).toBe(Math.floor(16_000 / HOP)); // the last partial hop is dropped at the close
      for (const h of hops) {
        expect(h.samplesPerChannel).toBe(HOP);
        expect(h.data.length).toBe(HOP);
      }
      // the same samples as the whole input converted in one piece: nothing lost, doubled or moved
      expect(join(hops)).toEqual(expected16k(pcm).subarray(0, hops.length * HOP));
      expect(input.stats().streamMs).toBe(1000);
      expect(input.stats().gaps).toBe(0);
    }
  });

  it('keeps the level and the length of a 440 Hz tone (8 → 16 kHz, through μ-law)', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP, maxQueuedMs: 60_000 });
    send(input, tone(440, 8000, 16_000, 10_000));
    input.close();
    const out = join(await readAll(input));
    expect(out.length).toBe(Math.floor(32_000 / HOP) * HOP);
    const level = rms(out, 1600, 30_000) / (10_000 / Math.SQRT2);
    expect(Math.abs(level - 1)).toBeLessThan(0.03);
    expect(powerAt(out.subarray(1600, 30_000), 440, 16_000)).toBeGreaterThan((0.9 * (10_000 * 10_000)) / 4);
  });
});

describe('TwilioMediaIn timeline', () => {
  it('fills a hole in the timestamps with exactly that much silence', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP, maxQueuedMs: 60_000 });
    const loud = tone(500, 8000, 800, 12_000); // 100 ms
    const next = send(input, loud); // chunks 1–5, 0–100 ms
    // chunks 6–8 (100–160 ms) are lost; chunk 9 comes at 160 ms
    send(input, loud, [160], { chunk: next.chunk + 3, ms: next.ms + 60 });
    input.close();
    const out = join(await readAll(input));
    const s = input.stats();
    expect(s.gaps).toBe(1);
    expect(s.gapMs).toBe(60);
    expect(s.lostChunks).toBe(3);
    expect(s.streamMs).toBe(260); // the caller's time: the last message ends at 260 ms
    // 100–160 ms is silent (bar the filter's ringing at its edges, 2 ms), the tone on both sides
    const ms = (t: number) => t * 16;
    expect(rms(out, ms(104), ms(158))).toBe(0);
    expect(rms(out, ms(20), ms(95))).toBeGreaterThan(8000);
    expect(rms(out, ms(165), ms(250))).toBeGreaterThan(8000);
  });

  it('takes a message 1 ms off its place (whole-ms timestamps) as contiguous', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP, maxQueuedMs: 60_000 });
    send(input, tone(300, 8000, 8000), [37]); // 4.625 ms each, timestamps rounded
    input.close();
    await readAll(input);
    expect(input.stats().gaps).toBe(0);
    expect(input.stats().streamMs).toBe(1000);
  });

  it('drops a duplicate and a message that comes after a later one; their time is already handed on', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP, maxQueuedMs: 60_000 });
    const a = tone(400, 8000, 160);
    input.push(inboundMedia(a, 1, 0));
    input.push(inboundMedia(a, 1, 0)); // duplicate
    input.push(inboundMedia(a, 3, 40)); // chunk 2 is late: its 20 ms become silence
    input.push(inboundMedia(a, 2, 20)); // …and when it comes, it is dropped
    input.push(inboundMedia(a, 4, 60));
    input.close();
    await readAll(input);
    const s = input.stats();
    expect(s.staleMessages).toBe(2);
    expect(s.gaps).toBe(1);
    expect(s.gapMs).toBe(20);
    expect(s.streamMs).toBe(80);
    expect(s.messages).toBe(3);
  });

  it('follows a clock that jumps, filling at most maxGapFillMs', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP, maxQueuedMs: 60_000, maxGapFillMs: 200 });
    input.push(inboundMedia(tone(400, 8000, 160), 1, 0));
    input.push(inboundMedia(tone(400, 8000, 160), 2, 60_000));
    input.push(inboundMedia(tone(400, 8000, 160), 3, 60_020));
    input.close();
    await readAll(input);
    expect(input.stats().gapMs).toBe(200);
    expect(input.stats().streamMs).toBe(260);
    expect(input.stats().staleMessages).toBe(0);
  });
});

describe('TwilioMediaIn back-pressure and close', () => {
  it("holds the call's set-up audio until the reader first catches up, then only maxQueuedMs", async () => {
    const input = new TwilioMediaIn({ hopSize: HOP, maxQueuedMs: 320, maxQueuedUntilCaughtUpMs: 3200 }); // 20, then 200 hops
    const pcm = new Int16Array(8000 * 3.5);
    for (let i = 0; i < pcm.length; i++) pcm[i] = ((i * 37) % 4000) - 2000;
    // 2 s before the call reads anything (its stages being built): 125 hops, more than maxQueuedMs
    const next = send(input, pcm.subarray(0, 16_000));
    const reader = input.hops.getReader();
    const got: HopFrame[] = [];
    for (let i = 0; i < 60; i++) got.push((await reader.read()).value!);
    // half a second more while it reads that backlog: 156 hops in all, none dropped
    const last = send(input, pcm.subarray(16_000, 20_000), [160], next);
    for (let i = 0; i < 96; i++) got.push((await reader.read()).value!);
    expect(input.stats().droppedHops).toBe(0);
    expect(join(got)).toEqual(expected16k(pcm.subarray(0, 20_000)).subarray(0, 156 * HOP));
    // caught up: a read waits for the live stream, and from now on a reader behind keeps 20 hops
    const waiting = reader.read();
    await new Promise((r) => setImmediate(r)); // the stream asks for the next hop a tick after the read
    send(input, pcm.subarray(20_000), [160], last); // 1 s in a burst: 62 hops, the first to the waiting read
    expect((await waiting).value!.samplesPerChannel).toBe(HOP);
    expect(input.stats().droppedHops).toBe(62 - 1 - 20);
    input.close();
    let rest = 0;
    while (!(await reader.read()).done) rest++;
    expect(rest).toBe(20);
  });

  it('keeps at most maxQueuedMs for a reader that does not read, dropping the oldest', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP, maxQueuedMs: 320 }); // 20 hops
    const pcm = new Int16Array(8000 * 60); // a minute in one burst
    for (let i = 0; i < pcm.length; i++) pcm[i] = ((i * 37) % 4000) - 2000;
    send(input, pcm);
    const s = input.stats();
    expect(s.maxQueuedHops).toBe(20);
    expect(s.hops).toBe(Math.floor((60 * 16_000) / HOP));
    expect(s.droppedHops).toBe(s.hops - 20);
    input.close();
    const hops = await readAll(input);
    expect(hops).toHaveLength(20);
    // the newest were kept
    expect(join(hops)).toEqual(expected16k(pcm).subarray((s.hops - 20) * HOP, s.hops * HOP));
  });

  it('a waiting read gets the next hop as soon as it is complete', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP });
    const reader = input.hops.getReader();
    const pending = reader.read();
    let got = false;
    void pending.then(() => {
      got = true;
    });
    input.push(inboundMedia(tone(400, 8000, 100), 1, 0)); // 200 samples at 16 kHz: not a hop yet
    await new Promise((r) => setImmediate(r));
    expect(got).toBe(false);
    input.push(inboundMedia(tone(400, 8000, 100), 2, 13)); // 12.5 ms, rounded: contiguous
    const r = await pending;
    expect(r.done).toBe(false);
    expect(r.value?.samplesPerChannel).toBe(HOP);
    expect(input.stats().maxQueuedHops).toBe(0);
  });

  it('close ends the stream: queued hops are still read, then done; a waiting read ends too', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP });
    send(input, tone(400, 8000, 1280)); // 160 ms = 10 hops
    input.close();
    input.push(inboundMedia(tone(400, 8000, 160), 99, 1000)); // after the hang-up: ignored
    expect(await readAll(input)).toHaveLength(10);

    const idle = new TwilioMediaIn({ hopSize: HOP });
    const read = idle.hops.getReader().read();
    idle.close();
    expect((await read).done).toBe(true);
  });

  it('cancel (CallerInput.stop) stops it taking audio', async () => {
    const input = new TwilioMediaIn({ hopSize: HOP });
    await input.hops.cancel();
    send(input, tone(400, 8000, 1280));
    expect(input.stats().hops).toBe(0);
  });
});
