import type { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { type FrameTag, Pacer } from './pacer.js';
import { FakeSink, ManualClock, ramp } from './testing.js';

const ms = (n: number) => n * 24; // samples in n ms at 24 kHz

/** A sink that knows what was played (a Twilio stream's mark echoes): whatever the test says. */
class ReportingSink extends FakeSink {
  readonly reported = new Map<string, number | undefined>();
  readonly tags: (FrameTag | undefined)[] = [];
  asked = 0;

  override captureFrame(frame: AudioFrame, tag?: FrameTag): Promise<void> {
    this.tags.push(tag ? { ...tag } : undefined);
    return super.captureFrame(frame);
  }

  playedMs(responseId: string): number | undefined {
    this.asked++;
    return this.reported.get(responseId);
  }
}

function setup() {
  const clock = new ManualClock();
  const sink = new ReportingSink(clock);
  const pacer = new Pacer(sink, { clock });
  return { clock, sink, pacer };
}

describe('Pacer over a sink that reports what was played', () => {
  it("answers playedMs with the sink's figure, not its own model", async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(300); // the model would say 300
    sink.reported.set('r', 180);
    expect(pacer.playedMs('r')).toBe(180);
    sink.reported.set('r', 240);
    expect(pacer.playedMs('r')).toBe(240);
  });

  it('falls back to its model while the sink says undefined', async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(300);
    sink.reported.set('r', undefined);
    expect(pacer.playedMs('r')).toBe(300);
    expect(sink.asked).toBeGreaterThan(0);
  });

  it("keeps the sink's figure at a flush, asked before the sink is cleared", async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(300);
    sink.reported.set('r', 210);
    pacer.flush();
    // after the clear the sink may say anything (Twilio echoes every pending mark): the flush froze it
    sink.reported.set('r', 320);
    await clock.advance(500);
    expect(pacer.playedMs('r')).toBe(210);
    expect(sink.clears).toBe(1);
  });

  it('uses its model at a flush when the sink cannot tell', async () => {
    const { clock, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(250);
    pacer.flush();
    await clock.advance(500);
    expect(pacer.playedMs('r')).toBe(250);
  });

  it('never believes more was heard than was handed over', async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(1000)));
    await clock.advance(100); // 160 ms handed (lead included)
    sink.reported.set('r', 5000);
    expect(pacer.playedMs('r')).toBe(160);
  });

  it('tags audio frames with the response and the ms handed so far, padding untagged', async () => {
    const { clock, sink, pacer } = setup();
    pacer.push('r', ramp(ms(50)));
    await clock.advance(200); // 50 ms of audio, then it runs dry: silence padding
    pacer.push('r', ramp(ms(30)));
    pacer.end('r');
    await clock.advance(200);
    const tagged = sink.tags.filter((t) => t !== undefined);
    expect(tagged.map((t) => t.handedMs)).toEqual([20, 40, 60, 80]);
    expect(tagged.every((t) => t.responseId === 'r')).toBe(true);
    expect(sink.tags.some((t) => t === undefined)).toBe(true);
    expect(pacer.stats().silenceFrames).toBe(sink.tags.filter((t) => t === undefined).length);
  });
});
