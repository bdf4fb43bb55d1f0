import { existsSync } from 'node:fs';
import { initializeLogger, VADEventType, type VADEvent } from '@livekit/agents';
import { AudioFrame, AudioResampler } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { labelledFiles, TESTSET } from '../../test/support/vad-labels.js';
import { TenVAD } from './plugin.js';

initializeLogger({ pretty: false, level: 'warn' });

/** Pushes audio in 10 ms frames and collects events until `until` is seen (or a time limit). */
async function run(samples: Int16Array, rate: number, until: (e: VADEvent) => boolean): Promise<VADEvent[]> {
  const vad = await TenVAD.load();
  const stream = vad.stream();
  const events: VADEvent[] = [];
  let stop: () => void = () => {};
  const stopped = new Promise<void>((r) => (stop = r));
  void (async () => {
    for await (const e of stream) {
      events.push(e);
      if (until(e)) stop();
    }
  })();
  const n = rate / 100;
  for (let o = 0; o + n <= samples.length; o += n) stream.pushFrame(new AudioFrame(samples.slice(o, o + n), rate, 1, n));
  const keep = setInterval(() => {}, 1000);
  await Promise.race([stopped, new Promise((r) => setTimeout(r, 20_000))]);
  clearInterval(keep);
  stream.close();
  return events;
}

describe.skipIf(!existsSync(TESTSET) && process.env.PARLEY_SKIP_SHARED === '1')('TenVAD as an @livekit/agents VAD', () => {
  it('emits START_OF_SPEECH, INFERENCE_DONE and END_OF_SPEECH on real speech, at the labelled times', async () => {
    const file = labelledFiles(2000)[0]!;
    const lastEnd = file.segments.at(-1)!.end;
    const events = await run(file.samples, 16_000, (e) => e.type === VADEventType.END_OF_SPEECH && e.timestamp > lastEnd);
    const starts = events.filter((e) => e.type === VADEventType.START_OF_SPEECH);
    const ends = events.filter((e) => e.type === VADEventType.END_OF_SPEECH);
    const inferences = events.filter((e) => e.type === VADEventType.INFERENCE_DONE);
    expect(starts.length).toBeGreaterThan(0);
    expect(ends.length).toBe(starts.length);
    expect(Math.abs(starts[0]!.timestamp - file.segments[0]!.start)).toBeLessThan(300);
    expect(ends.at(-1)!.timestamp - lastEnd).toBeLessThan(600);
    expect(inferences.length).toBeGreaterThan(100);
    expect(inferences.every((e) => e.probability >= 0 && e.probability <= 1)).toBe(true);
    // the utterance's audio travels with END_OF_SPEECH, as Silero's does
    expect(ends[0]!.frames[0]!.samplesPerChannel).toBeGreaterThan(16_000 * 0.3);
  });

  it('takes 48 kHz input (WebRTC) and resamples it', async () => {
    const file = labelledFiles(2000)[0]!;
    const up = new AudioResampler(16_000, 48_000, 1);
    const parts = [...up.push(new AudioFrame(file.samples, 16_000, 1, file.samples.length)), ...up.flush()];
    const s48 = new Int16Array(parts.reduce((n, f) => n + f.samplesPerChannel, 0));
    let o = 0;
    for (const f of parts) {
      s48.set(f.data.subarray(0, f.samplesPerChannel), o);
      o += f.samplesPerChannel;
    }
    up.close();
    const events = await run(s48, 48_000, (e) => e.type === VADEventType.END_OF_SPEECH);
    const start = events.find((e) => e.type === VADEventType.START_OF_SPEECH);
    expect(start).toBeDefined();
    expect(Math.abs(start!.timestamp - file.segments[0]!.start)).toBeLessThan(300);
  });
});
