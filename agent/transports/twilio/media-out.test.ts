import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../pacer/pacer.js';
import { ManualClock } from '../../pacer/testing.js';
import { TwilioStreamSink } from './media-out.js';
import { fromUlawBase64, powerAt, rms, tone } from './testing.js';

const SID = 'MZ0123456789abcdef0123456789abcdef';

function setup() {
  const clock = new ManualClock();
  const sent: Record<string, unknown>[] = [];
  const sink = new TwilioStreamSink({ streamSid: SID, send: (t) => sent.push(JSON.parse(t)), clock });
  const media = () => sent.filter((m) => m.event === 'media') as { media: { payload: string } }[];
  const marks = () => sent.filter((m) => m.event === 'mark').map((m) => (m as { mark: { name: string } }).mark.name);
  return { clock, sink, sent, media, marks };
}

const frame = (data = new Int16Array(480)) => new AudioFrame(data, 24_000, 1, 480);

describe('TwilioStreamSink media', () => {
  it('sends one media message of exactly 160 μ-law bytes per 20 ms frame, as documented', async () => {
    const { sink, sent, media } = setup();
    for (let i = 0; i < 10; i++) await sink.captureFrame(frame(tone(1000, 24_000, 480)));
    expect(sent).toHaveLength(10);
    for (const m of media()) {
      expect(Object.keys(m)).toEqual(['event', 'streamSid', 'media']);
      expect(m).toMatchObject({ event: 'media', streamSid: SID });
      expect(Object.keys(m.media)).toEqual(['payload']);
      expect(Buffer.from(m.media.payload, 'base64')).toHaveLength(160);
    }
    expect(sink.stats()).toMatchObject({ frames: 10, silenceFrames: 10, mediaMessages: 10, payloadBytes: 1600, marksSent: 0 });
  });

  it('keeps a 1 kHz tone through 24 → 8 kHz and μ-law (level within 3 %, same pitch)', async () => {
    const { sink, media } = setup();
    const input = tone(1000, 24_000, 24_000, 10_000);
    for (let i = 0; i < 50; i++)
      await sink.captureFrame(frame(input.slice(i * 480, (i + 1) * 480)), { responseId: 'r', handedMs: (i + 1) * 20 });
    const out = new Int16Array(8000);
    for (const [i, m] of media().entries()) out.set(fromUlawBase64(m.media.payload), i * 160);
    expect(Math.abs(rms(out, 800) / (10_000 / Math.SQRT2) - 1)).toBeLessThan(0.03);
    expect(powerAt(out.subarray(800), 1000, 8000)).toBeGreaterThan((0.9 * (10_000 * 10_000)) / 4);
  });

  it('carries the remainder when frames are not 20 ms', async () => {
    const { sink, media } = setup();
    for (let i = 0; i < 7; i++) await sink.captureFrame(new AudioFrame(new Int16Array(300), 24_000, 1, 300)); // 12.5 ms each
    expect(media()).toHaveLength(Math.floor((7 * 100) / 160));
  });

  it('refuses a frame at another rate', async () => {
    const { sink, sent } = setup();
    await expect(sink.captureFrame(new AudioFrame(new Int16Array(320), 16_000, 1, 320))).rejects.toThrow(/24000 Hz mono/);
    expect(sent).toHaveLength(0);
  });

  it('a send that throws (socket gone) rejects the capture and is counted', async () => {
    const sink = new TwilioStreamSink({
      streamSid: SID,
      send: () => {
        throw new Error('socket closed');
      },
    });
    await expect(sink.captureFrame(frame())).rejects.toThrow('socket closed');
    expect(sink.stats().sendErrors).toBe(1);
  });
});

describe('TwilioStreamSink marks and played position', () => {
  it('follows each tagged frame, and only those, with a mark of its own name', async () => {
    const { sink, sent, marks } = setup();
    await sink.captureFrame(frame(), { responseId: 'r1', handedMs: 20 });
    await sink.captureFrame(frame()); // silence padding
    await sink.captureFrame(frame(), { responseId: 'r1', handedMs: 40 });
    expect(sent.map((m) => m.event)).toEqual(['media', 'mark', 'media', 'media', 'mark']);
    expect(sent[1]).toStrictEqual({ event: 'mark', streamSid: SID, mark: { name: marks()[0] } });
    expect(new Set(marks()).size).toBe(2);
  });

  it('playedMs: undefined for a response never sent, 0 until its first echo, then the last echoed handedMs', async () => {
    const { clock, sink, marks } = setup();
    expect(sink.playedMs('r1')).toBeUndefined();
    for (let i = 1; i <= 5; i++) await sink.captureFrame(frame(), { responseId: 'r1', handedMs: i * 20 });
    expect(sink.playedMs('r1')).toBe(0);
    await clock.advance(130);
    sink.onMarkEcho(marks()[0]!);
    expect(sink.playedMs('r1')).toBe(20);
    sink.onMarkEcho(marks()[1]!);
    sink.onMarkEcho(marks()[2]!);
    expect(sink.playedMs('r1')).toBe(60);
    sink.onMarkEcho('not-ours');
    sink.onMarkEcho('f999');
    sink.onMarkEcho(marks()[2]!); // twice
    expect(sink.playedMs('r1')).toBe(60);
    const s = sink.stats();
    expect(s).toMatchObject({ marksSent: 5, marksEchoed: 3, unknownMarkEchoes: 3, pendingMarks: 2 });
    expect(s.markLag.count).toBe(3);
    // the histogram answers a bin's upper edge: 1 ms bins above 100 ms
    expect(s.markLag.p50Ms).toBeGreaterThanOrEqual(130);
    expect(s.markLag.p50Ms).toBeLessThanOrEqual(131);
    expect(s.markLag.maxMs).toBe(130);
  });

  it('keeps responses apart', async () => {
    const { sink, marks } = setup();
    await sink.captureFrame(frame(), { responseId: 'a', handedMs: 20 });
    await sink.captureFrame(frame(), { responseId: 'b', handedMs: 20 });
    await sink.captureFrame(frame(), { responseId: 'b', handedMs: 40 });
    for (const m of marks()) sink.onMarkEcho(m);
    expect(sink.playedMs('a')).toBe(20);
    expect(sink.playedMs('b')).toBe(40);
  });

  it('clearQueue sends clear; the marks Twilio then echoes for the cleared audio do not count as played', async () => {
    const { sink, sent, marks } = setup();
    for (let i = 1; i <= 6; i++) await sink.captureFrame(frame(tone(800, 24_000, 480)), { responseId: 'r1', handedMs: i * 20 });
    sink.onMarkEcho(marks()[0]!);
    sink.onMarkEcho(marks()[1]!); // 40 ms heard
    sink.clearQueue();
    expect(sent.at(-1)).toStrictEqual({ event: 'clear', streamSid: SID });
    // "causes any mark messages to be sent back": Twilio flushes the four pending marks
    for (const m of marks().slice(2)) sink.onMarkEcho(m);
    expect(sink.playedMs('r1')).toBe(40);
    expect(sink.stats()).toMatchObject({ clears: 1, marksEchoed: 2, clearedMarkEchoes: 4, pendingMarks: 0 });

    // a second clear with nothing sent since is not sent again
    sink.clearQueue();
    expect(sent.filter((m) => m.event === 'clear')).toHaveLength(1);

    // the next response counts again, and starts clean (no tail of the cut-off one)
    await sink.captureFrame(frame(), { responseId: 'r2', handedMs: 20 });
    const first = sent.filter((m) => m.event === 'media').at(-1) as { media: { payload: string } };
    expect(fromUlawBase64(first.media.payload).every((v) => v === 0)).toBe(true);
    sink.onMarkEcho(marks().at(-1)!);
    expect(sink.playedMs('r2')).toBe(20);
    expect(sink.playedMs('r1')).toBe(40);
  });

  it('falls back to the pacer model (undefined) when the stream never echoes a mark', async () => {
    const { clock, sink } = setup();
    await sink.captureFrame(frame(), { responseId: 'r', handedMs: 20 });
    await clock.advance(2_999);
    expect(sink.playedMs('r')).toBe(0);
    await clock.advance(2);
    expect(sink.playedMs('r')).toBeUndefined();
  });
});

describe('TwilioStreamSink under the Pacer', () => {
  /** Twilio as the docs describe it: plays what it is sent in order, echoes a mark when the audio before it has played. */
  function twilio(clock: ManualClock, networkMs: number) {
    let playEnd = 0;
    const echoes: { at: number; name: string }[] = [];
    const sent: { at: number; event: string }[] = [];
    const onText = (text: string) => {
      const m = JSON.parse(text);
      const arrives = clock.now() + networkMs;
      sent.push({ at: clock.now(), event: m.event });
      if (m.event === 'media') playEnd = Math.max(playEnd, arrives) + 20;
      if (m.event === 'mark') echoes.push({ at: Math.max(playEnd, arrives) + networkMs, name: m.mark.name });
      if (m.event === 'clear') {
        // the buffer is emptied and every pending mark is sent back at once
        playEnd = arrives;
        for (const e of echoes) e.at = Math.min(e.at, arrives + networkMs);
      }
    };
    const deliver = (sink: TwilioStreamSink) => {
      while (echoes.length > 0 && echoes[0]!.at <= clock.now()) sink.onMarkEcho(echoes.shift()!.name);
    };
    return { onText, deliver, sent };
  }

  it('goes out at 1× real time, and the pacer answers playedMs from the echoes, frozen at a flush', async () => {
    const clock = new ManualClock();
    const tw = twilio(clock, 40);
    const sink = new TwilioStreamSink({ streamSid: SID, send: tw.onText, clock });
    const pacer = new Pacer(sink, { clock });
    pacer.push('r', new Int16Array(24 * 3000).fill(1000)); // a 3 s answer, all at once
    for (let t = 0; t < 1000; t += 10) {
      await clock.advance(10);
      tw.deliver(sink);
    }
    // 1 s of clock: 50 frames plus the pacer's lead, not 3 s of audio at once
    const mediaCount = tw.sent.filter((m) => m.event === 'media').length;
    expect(mediaCount).toBeGreaterThanOrEqual(50);
    expect(mediaCount).toBeLessThanOrEqual(53);
    // heard = what the echoes say: the audio that had played at Twilio 40 ms ago (echo's way back)
    const played = pacer.playedMs('r');
    expect(played).toBe(sink.playedMs('r'));
    expect(played).toBeGreaterThanOrEqual(1000 - 40 - 40 - 20);
    expect(played).toBeLessThanOrEqual(1000 - 40 - 40);
    pacer.flush();
    const atFlush = pacer.playedMs('r');
    expect(atFlush).toBe(played);
    // Twilio echoes the pending marks on clear: neither the sink nor the pacer moves
    for (let t = 0; t < 200; t += 10) {
      await clock.advance(10);
      tw.deliver(sink);
    }
    expect(sink.playedMs('r')).toBe(atFlush);
    expect(pacer.playedMs('r')).toBe(atFlush);
    expect(tw.sent.filter((m) => m.event === 'clear')).toHaveLength(1);
  });
});
