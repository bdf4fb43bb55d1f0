/**
 * The caller's audio on its way into the plugin's Realtime input buffer, fed two ways into the
 * plugin's own chunker (agents' `AudioByteStream`, then base64, exactly as
 * `RealtimeSession.pushAudio` in plugin 1.9 does with each frame):
 *   hops   — every resampled 16 ms hop as it comes (what Parley did before: the chunker rebuilds
 *            its buffer by spreading old and new bytes into a JS array on every write)
 *   chunks — through `RealtimeInput`, which hands the plugin whole 100 ms chunks
 * Both resample the same 16 kHz audio with rtc-node's resampler. Per second of audio: the CPU it
 * took, and the scavenges and GC ms it caused (bench/support/round-meter.ts, unit-tested with
 * injected garbage), in interleaved rounds.
 * The control is a fixed arithmetic loop timed between rounds: its spread is the machine's.
 *
 * Run with the worker's young generation (as a job process has it):
 *   node --max-semi-space-size=2 --import tsx bench/responder/input-bench.ts [--seconds 60] [--rounds 5]
 * Last line: one JSON object (hops_cpu_ms_per_s, chunks_cpu_ms_per_s, cpu_ratio, hops_gc_per_s,
 * chunks_gc_per_s, hops_gc_ms_per_s, chunks_gc_ms_per_s, control_ms_min, control_ms_max).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { AudioByteStream, initializeLogger } from '@livekit/agents';
import { AudioFrame, AudioResampler, AudioResamplerQuality } from '@livekit/rtc-node';
import { type AudioSink, REALTIME_SAMPLE_RATE, RealtimeInput } from '../../agent/responder/input-audio.js';
import { roundMeter } from '../support/round-meter.js';

const { values: a } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, rounds: { type: 'string', default: '5' } },
});
const seconds = Number(a.seconds);
const rounds = Number(a.rounds);
initializeLogger({ pretty: false, level: 'warn' });
const HOP = 256; // 16 ms at 16 kHz: the VAD hop the line delivers

/** The plugin's pushAudio (1.9, realtime_model.js), minus sending: chunker, then base64. */
function pluginSink(): AudioSink & { bytes: number } {
  const bstream = new AudioByteStream(REALTIME_SAMPLE_RATE, 1, REALTIME_SAMPLE_RATE / 10);
  const sink = {
    bytes: 0,
    pushAudio(f: AudioFrame) {
      for (const nf of bstream.write(f.data.buffer)) sink.bytes += Buffer.from(nf.data.buffer).toString('base64').length;
    },
  };
  return sink;
}

// speech-like audio: a voiced tone with noise, 16 kHz
const audio = new Int16Array(16_000 * seconds).map((_, i) =>
  Math.round(6000 * Math.sin((2 * Math.PI * 180 * i) / 16_000) + (((i * 7919) % 2000) - 1000)),
);

function hops(): number {
  const sink = pluginSink();
  const r = new AudioResampler(16_000, REALTIME_SAMPLE_RATE, 1, AudioResamplerQuality.MEDIUM);
  for (let o = 0; o < audio.length; o += HOP) {
    for (const f of r.push(new AudioFrame(audio.subarray(o, o + HOP), 16_000, 1, HOP))) sink.pushAudio(f);
  }
  for (const f of r.flush()) sink.pushAudio(f);
  r.close();
  return sink.bytes;
}

function chunks(): number {
  const sink = pluginSink();
  const input = new RealtimeInput(sink);
  for (let o = 0; o < audio.length; o += HOP) input.push(audio.subarray(o, o + HOP));
  input.sealUtterance();
  input.close();
  return sink.bytes;
}

function control(): number {
  const t = performance.now();
  let x = 0;
  for (let i = 0; i < 20_000_000; i++) x = (x * 1.000001 + i) % 1e9;
  if (x < 0) console.log(x);
  return performance.now() - t;
}

const meter = roundMeter();
type Round = { cpuMs: number; gc: number; gcMs: number; bytes: number };
async function measure(run: () => number): Promise<Round> {
  const r = await meter.measure(run);
  return { cpuMs: r.cpuMs, gc: r.gc, gcMs: r.gcMs, bytes: r.result };
}

const res: { hops: Round[]; chunks: Round[]; control: number[] } = { hops: [], chunks: [], control: [] };
chunks(); // warm both paths (JIT) before measuring
hops();
for (let i = 0; i < rounds; i++) {
  res.control.push(control());
  // alternate which goes first, so a drift of the machine falls on both
  const order = i % 2 === 0 ? (['hops', 'chunks'] as const) : (['chunks', 'hops'] as const);
  for (const k of order) res[k].push(await measure(k === 'hops' ? hops : chunks));
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const perS = (rs: Round[], k: keyof Round) => r2(median(rs.map((r) => r[k])) / seconds);
if (res.hops[0]!.bytes !== res.chunks[0]!.bytes) {
  // the same audio must reach the input buffer either way (chunks: + padding to the last chunk's end)
  const extra = res.chunks[0]!.bytes - res.hops[0]!.bytes;
  if (extra < 0 || extra > Math.ceil((REALTIME_SAMPLE_RATE / 10) * 2 * (4 / 3)) + 4)
    throw new Error(`the two paths sent different audio: ${res.hops[0]!.bytes} vs ${res.chunks[0]!.bytes} bytes of base64`);
}
const out = {
  seconds_of_audio: seconds,
  rounds,
  hops_cpu_ms_per_s: perS(res.hops, 'cpuMs'),
  chunks_cpu_ms_per_s: perS(res.chunks, 'cpuMs'),
  cpu_ratio: r2(median(res.hops.map((h, i) => h.cpuMs / res.chunks[i]!.cpuMs))),
  hops_gc_per_s: perS(res.hops, 'gc'),
  chunks_gc_per_s: perS(res.chunks, 'gc'),
  hops_gc_ms_per_s: perS(res.hops, 'gcMs'),
  chunks_gc_ms_per_s: perS(res.chunks, 'gcMs'),
  control_ms_min: r2(Math.min(...res.control)),
  control_ms_max: r2(Math.max(...res.control)),
};
console.log(`Caller audio into the plugin's chunker, ${seconds} s of audio × ${rounds} rounds (medians per second of audio)`);
console.log('| feed | CPU ms | scavenges + other GCs | GC ms |\n|---|---|---|---|');
console.log(`| 16 ms hops (before) | ${out.hops_cpu_ms_per_s} | ${out.hops_gc_per_s} | ${out.hops_gc_ms_per_s} |`);
console.log(`| 100 ms chunks (RealtimeInput) | ${out.chunks_cpu_ms_per_s} | ${out.chunks_gc_per_s} | ${out.chunks_gc_ms_per_s} |`);
console.log(
  `control loop: ${out.control_ms_min}–${out.control_ms_max} ms per round; CPU ratio hops / chunks (median of rounds) ${out.cpu_ratio}`,
);
console.log(JSON.stringify(out));
process.exit(0); // rtc-node holds the loop open
