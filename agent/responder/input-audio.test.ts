import { AudioFrame, AudioResampler, AudioResamplerQuality } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { PLUGIN_CHUNK_SAMPLES, REALTIME_SAMPLE_RATE, RealtimeInput } from './input-audio.js';

describe('RealtimeInput', () => {
  it('upsamples 16 kHz to 24 kHz and seals each utterance on a 100 ms chunk boundary', () => {
    const frames: AudioFrame[] = [];
    const input = new RealtimeInput({ pushAudio: (f) => frames.push(f) });
    // 730 ms of a 300 Hz tone at 16 kHz, in uneven pieces
    const tone = new Int16Array(11_680).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 16_000)));
    for (let o = 0; o < tone.length; o += 997) input.push(tone.subarray(o, o + 997));
    const ms = input.sealUtterance();
    const total = frames.reduce((n, f) => n + f.samplesPerChannel, 0);
    expect(frames.every((f) => f.sampleRate === REALTIME_SAMPLE_RATE)).toBe(true);
    expect(total % PLUGIN_CHUNK_SAMPLES).toBe(0); // nothing left in the plugin's chunker
    expect(ms).toBeGreaterThanOrEqual(730); // all of the utterance went out, plus the padding
    expect(ms).toBeLessThan(730 + 100 + 20);
    // the tone's energy arrived (not only padding)
    const energy = frames.reduce((e, f) => e + f.data.reduce((a, s) => a + Math.abs(s), 0), 0);
    expect(energy / total).toBeGreaterThan(3000);
    input.close();
  });

  it('hands the plugin whole 100 ms chunks of their own buffer, holding the resampled audio in order', () => {
    const frames: AudioFrame[] = [];
    const input = new RealtimeInput({ pushAudio: (f) => frames.push(f) });
    const reference = new AudioResampler(16_000, REALTIME_SAMPLE_RATE, 1, AudioResamplerQuality.MEDIUM);
    const expected: number[] = [];
    const noise = new Int16Array(9_000).map((_, i) => ((i * 7919) % 20_000) - 10_000);
    // pieces as the line gives them (16 ms hops) and odd ones
    for (const size of [256, 256, 333, 1, 4000, 256, 3898]) {
      const piece = noise.subarray(0, size);
      input.push(piece);
      for (const f of reference.push(new AudioFrame(piece, 16_000, 1, size))) expected.push(...f.data.subarray(0, f.samplesPerChannel));
    }
    input.sealUtterance();
    for (const f of reference.flush()) expected.push(...f.data.subarray(0, f.samplesPerChannel));
    // the plugin's chunker reads frame.data.buffer whole: each must be exactly one chunk
    expect(frames.every((f) => f.samplesPerChannel === PLUGIN_CHUNK_SAMPLES && f.data.buffer.byteLength === PLUGIN_CHUNK_SAMPLES * 2)).toBe(
      true,
    );
    const sent = frames.flatMap((f) => [...f.data]);
    expect(sent.length).toBe(Math.ceil(expected.length / PLUGIN_CHUNK_SAMPLES) * PLUGIN_CHUNK_SAMPLES);
    // the same resampler on the same pieces (it dithers: ±1 LSB run to run)
    expect(Math.max(...expected.map((x, i) => Math.abs(x - sent[i]!)))).toBeLessThanOrEqual(2);
    expect(sent.slice(expected.length).every((s) => s === 0)).toBe(true); // the padding
    reference.close();
    input.close();
  });

  it('starts the next utterance on an empty chunk', () => {
    let total = 0;
    const input = new RealtimeInput({ pushAudio: (f) => (total += f.samplesPerChannel) });
    input.push(new Int16Array(1600).fill(1000));
    input.sealUtterance();
    const afterFirst = total;
    input.push(new Int16Array(3200).fill(1000));
    input.sealUtterance();
    expect(afterFirst % PLUGIN_CHUNK_SAMPLES).toBe(0);
    expect(total % PLUGIN_CHUNK_SAMPLES).toBe(0);
    input.close();
  });
});
