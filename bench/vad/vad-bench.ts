/**
 * VAD benchmark: TEN VAD (ours, with the speech gate) against Silero (@livekit/agents-plugin-silero,
 * default options) on every labelled test file, 2 s of silence appended (the files end sooner after
 * the last speech than Silero's 550 ms silence window). Both see the same samples and the same labels.
 *
 * Prints, in one run: our detector's real-time factor; frame-level precision/recall/F1 (10 ms frames)
 * for both; end-of-speech delay after the last labelled speech end (median, p90) for our gate and
 * Silero's END_OF_SPEECH; premature speech ends (fired inside a labelled pause that more speech
 * follows) for both; a hangover sweep of our gate, as a table and an SVG chart; and a threshold
 * sweep. "TEN VAD" is the product's detector: the model behind the noise floor (noise-floor.ts); the
 * model alone is scored beside it; and F1 at input levels down to −30 dB (quiet callers).
 * `--telephone` repeats everything on the test set passed through G.711 μ-law at 8 kHz and back.
 * Last line: one JSON object.
 *
 * Usage: npm run bench:vad [-- --telephone]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AudioFrame } from '@livekit/rtc-node';
import { initializeLogger, VADEventType, type VAD as BaseVad } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { telephoneBand } from '../../agent/audio/g711.js';
import { TenVadDetector } from '../../agent/vad/detector.js';
import { WINDOW_SIZE } from '../../agent/vad/constants.js';
import { DEFAULT_GATE_CONFIG, SpeechGate } from '../../agent/vad/gate.js';
import { DEFAULT_NOISE_FLOOR_RMS, withNoiseFloor } from '../../agent/vad/noise-floor.js';
import type { FrameDetector, GateConfig } from '../../agent/vad/types.js';
import { PROJECT_ROOT } from '../../agent/vad/model-path.js';
import {
  endsIntoPadding,
  frameScores,
  labelledFiles,
  prematureEnds,
  tenCentreHops,
  type LabelledFile,
  type Segment,
} from '../../test/support/vad-labels.js';

const RATE = 16_000;
const HOP = 160;
const FRAME_MS = 10;
const PAD_MS = 2000;
const SWEEP = [100, 200, 300, 400, 500, 600, 700, 800];
/** Gate thresholds swept at the default hangover: the speech/non-speech trade-off per band (wideband, telephone). */
const THRESHOLDS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
/** TEN VAD's decisions are scored on the audio they analysed (Silero's on its own 512-sample window, the same alignment). */
const TEN_CENTRE_HOPS = tenCentreHops(HOP);

interface FileRun {
  file: LabelledFile;
  /** Our detector's per-hop probability and flag, as the product runs it (behind the noise floor). */
  ten: { p: Float32Array; flag: Uint8Array };
  /** The model alone, without the noise floor. */
  tenRaw: { p: Float32Array; flag: Uint8Array };
  /** Silero: one probability per inference window, and END_OF_SPEECH times (stream ms). */
  silero: { p: number[]; window: number; ends: number[] };
}

interface Figures {
  rtf: number;
  f1_ten: number;
  f1_silero: number;
  /** F1 with each decision scored on the frame where it becomes available (no alignment). */
  f1_ten_causal: number;
  f1_silero_causal: number;
  precision_ten: number;
  recall_ten: number;
  /** The model without the noise floor in front (agent/vad/noise-floor.ts): what the floor is worth. */
  f1_ten_no_floor: number;
  precision_ten_no_floor: number;
  recall_ten_no_floor: number;
  precision_silero: number;
  recall_silero: number;
  eos_median_ms_ten: number;
  eos_p90_ms_ten: number;
  eos_median_ms_silero: number;
  eos_p90_ms_silero: number;
  premature_ten: number;
  premature_silero: number;
  /** The gate without its level check (silenceBelowPeakDb 0): the model's decisions alone. */
  eos_median_ms_ten_no_level_check: number;
  premature_ten_no_level_check: number;
  /** EOS medians apart for files whose last speech runs into the file's end (a hard stop) and the rest. */
  eos_by_ending: Record<
    'hard_stop' | 'natural',
    { files: number; eos_median_ms: number; eos_median_ms_no_level_check: number; eos_median_ms_silero: number }
  >;
  hangover_ms: number;
  files: number;
  sweep: {
    hangover_ms: number;
    eos_median_ms: number;
    eos_p90_ms: number;
    premature: number;
    eos_median_ms_no_level_check: number;
    premature_no_level_check: number;
  }[];
  threshold_sweep: {
    threshold: number;
    precision: number;
    recall: number;
    f1: number;
    eos_median_ms: number;
    premature: number;
    missed_onsets: number;
  }[];
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function runTen(det: FrameDetector, samples: Int16Array): Promise<{ p: Float32Array; flag: Uint8Array; ms: number }> {
  det.reset();
  const n = Math.floor(samples.length / HOP);
  const p = new Float32Array(n);
  const flag = new Uint8Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await det.process(samples.subarray(i * HOP, (i + 1) * HOP));
    p[i] = r.probability;
    flag[i] = r.flag ? 1 : 0;
  }
  return { p, flag, ms: performance.now() - t0 };
}

async function runSilero(model: BaseVad, samples: Int16Array): Promise<FileRun['silero']> {
  const stream = model.stream();
  const p: number[] = [];
  const ends: number[] = [];
  let window = 512;
  let lastSample = 0;
  const total = Math.floor(samples.length / HOP) * HOP;
  // Breaking out of the for-await would cancel the stream's reader, which waits on the stream and
  // hangs in agents 1.9: signal the end instead, and close() the stream, which ends the loop.
  let reachedEnd: () => void = () => {};
  const atEnd = new Promise<void>((r) => (reachedEnd = r));
  const reading = (async () => {
    for await (const ev of stream) {
      if (ev.type === VADEventType.INFERENCE_DONE) {
        window = ev.samplesIndex - lastSample || window;
        lastSample = ev.samplesIndex;
        p.push(ev.probability);
        // the plugin holds back the final window when the input ends exactly on a window boundary:
        // done once less than two windows remain (that far into the appended silence, any
        // END_OF_SPEECH has long fired)
        if (total - lastSample < 2 * window) reachedEnd();
      } else if (ev.type === VADEventType.END_OF_SPEECH) {
        ends.push((ev.samplesIndex / RATE) * 1000);
      }
    }
  })();
  for (let o = 0; o + HOP <= samples.length; o += HOP) {
    stream.pushFrame(new AudioFrame(samples.slice(o, o + HOP), RATE, 1, HOP));
  }
  // agents 1.9: endInput() throws "WritableStream is locked"; wait for inference to reach the end.
  await atEnd;
  stream.close();
  reading.catch(() => {});
  return { p, window, ends };
}

/** Frame-level P/R/F1 over the original audio (10 ms frames, label at the frame's centre). */
const scores = (runs: FileRun[], predict: (r: FileRun, frame: number) => boolean) => frameScores(runs, PAD_MS, predict);

/** End-of-speech delay after the last labelled end, and premature ends, from speech-end times. */
function endFigures(runs: FileRun[], endsOf: (r: FileRun) => number[]) {
  const delays: number[] = [];
  let premature = 0;
  for (const r of runs) {
    const segs = r.file.segments;
    const lastEnd = segs.at(-1)!.end;
    const ends = endsOf(r);
    const after = ends.find((t) => t >= lastEnd);
    if (after !== undefined) delays.push(after - lastEnd);
    premature += prematureEnds(segs, ends);
  }
  return { median: quantile(delays, 0.5), p90: quantile(delays, 0.9), premature, missing: runs.length - delays.length };
}

/** Our gate's speech-end decision times (stream ms) over a file's probabilities, at a hangover. */
function gateEnds(r: FileRun, hangoverMs: number, gate: Partial<GateConfig> = {}): number[] {
  return gateRun(r, { hangoverMs, ...gate }).ends;
}

/** The gate without its level check: the model's decisions alone end an utterance. */
const NO_LEVEL_CHECK = { silenceBelowPeakDb: 0 };

/** Our gate over a file's audio and probabilities: speech-start and speech-end decision times (stream ms). */
function gateRun(r: FileRun, config: Partial<GateConfig>): { starts: number[]; ends: number[] } {
  const gate = new SpeechGate({ ...DEFAULT_GATE_CONFIG, ...config });
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < r.ten.p.length; i++) {
    // the gate hears the hop itself too (its level check), as in the product
    for (const ev of gate.push(r.file.samples.subarray(i * HOP, (i + 1) * HOP), r.ten.p[i]!)) {
      if (ev.type === 'speech-end') ends.push(ev.atMs);
      else if (ev.type === 'speech-start') starts.push(ev.atMs);
    }
  }
  return { starts, ends };
}

/**
 * Labelled utterances (segments separated by ≥ hangover of pause) during which the gate never
 * entered speech: a caller who is not heard at all, the worst failure on a phone line.
 */
function missedOnsets(runs: FileRun[], hangoverMs: number, gated: (r: FileRun) => { starts: number[]; ends: number[] }): number {
  let missed = 0;
  for (const r of runs) {
    const { starts, ends } = gated(r);
    const speaking = (from: number, to: number) => starts.some((s, i) => s <= to && (ends[i] ?? Infinity) >= from);
    for (const u of utterances(r.file.segments, hangoverMs)) if (!speaking(u.start, u.end)) missed++;
  }
  return missed;
}

/** Merges labelled segments whose pause is shorter than `gapMs` into utterances. */
function utterances(segs: Segment[], gapMs: number): Segment[] {
  const out: Segment[] = [];
  for (const s of segs) {
    const last = out.at(-1);
    if (last && s.start - last.end < gapMs) out[out.length - 1] = { ...last, end: s.end };
    else out.push({ ...s });
  }
  return out;
}

async function evaluate(files: LabelledFile[], det: TenVadDetector, model: BaseVad): Promise<Figures> {
  const runs: FileRun[] = [];
  let tenMs = 0;
  let audioMs = 0;
  const product = withNoiseFloor(det, DEFAULT_NOISE_FLOOR_RMS);
  for (const file of files) {
    const ten = await runTen(product, file.samples);
    tenMs += ten.ms;
    audioMs += (file.samples.length / RATE) * 1000;
    const tenRaw = await runTen(det, file.samples);
    runs.push({ file, ten, tenRaw, silero: await runSilero(model, file.samples) });
  }
  // Each detector's decision is scored on the audio it analysed (the centre of its window), so
  // neither is credited with look-ahead nor charged for its window's delay; the causal scores
  // (each decision on the frame where it becomes available) are printed beside them.
  const tenScores = scores(runs, (r, f) => r.ten.flag[f + TEN_CENTRE_HOPS] === 1);
  const sileroScores = scores(runs, (r, f) => {
    const k = Math.floor((((f * FRAME_MS + FRAME_MS / 2) / 1000) * RATE) / r.silero.window);
    return (r.silero.p[k] ?? 0) >= 0.5; // Silero's default activation threshold
  });
  const tenCausal = scores(runs, (r, f) => r.ten.flag[f] === 1);
  const tenRaw = scores(runs, (r, f) => r.tenRaw.flag[f + TEN_CENTRE_HOPS] === 1);
  const sileroCausal = scores(runs, (r, f) => {
    // the newest window that had ended when frame f ended
    const k = Math.floor(((((f + 1) * FRAME_MS) / 1000) * RATE) / r.silero.window) - 1;
    return (r.silero.p[k] ?? 0) >= 0.5;
  });
  const hangover = DEFAULT_GATE_CONFIG.hangoverMs;
  const ten = endFigures(runs, (r) => gateEnds(r, hangover));
  const tenNoCheck = endFigures(runs, (r) => gateEnds(r, hangover, NO_LEVEL_CHECK));
  const sil = endFigures(runs, (r) => r.silero.ends);
  // Where the last labelled speech runs into the file's end, the appended silence follows a hard
  // stop; elsewhere the speaker's own ending (decay, breath, room) does. Both kinds, apart.
  const hardStop = (r: FileRun) => endsIntoPadding(r.file, PAD_MS);
  const kinds = { hard_stop: runs.filter(hardStop), natural: runs.filter((r) => !hardStop(r)) };
  const eos_by_ending = Object.fromEntries(
    Object.entries(kinds).map(([k, rs]) => [
      k,
      {
        files: rs.length,
        eos_median_ms: round(endFigures(rs, (r) => gateEnds(r, hangover)).median),
        eos_median_ms_no_level_check: round(endFigures(rs, (r) => gateEnds(r, hangover, NO_LEVEL_CHECK)).median),
        eos_median_ms_silero: round(endFigures(rs, (r) => r.silero.ends).median),
      },
    ]),
  ) as Figures['eos_by_ending'];
  const sweep = SWEEP.map((h) => {
    const e = endFigures(runs, (r) => gateEnds(r, h));
    const n = endFigures(runs, (r) => gateEnds(r, h, NO_LEVEL_CHECK));
    return {
      hangover_ms: h,
      eos_median_ms: round(e.median),
      eos_p90_ms: round(e.p90),
      premature: e.premature,
      eos_median_ms_no_level_check: round(n.median),
      premature_no_level_check: n.premature,
    };
  });
  const threshold_sweep = THRESHOLDS.map((th) => {
    const sc = scores(runs, (r, f) => (r.ten.p[f + TEN_CENTRE_HOPS] ?? 0) >= th);
    // the gate once per file at this threshold: its ends and its starts both come from that run
    const gated = new Map(runs.map((r) => [r, gateRun(r, { hangoverMs: hangover, threshold: th })]));
    const e = endFigures(runs, (r) => gated.get(r)!.ends);
    return {
      threshold: th,
      precision: round(sc.precision, 4),
      recall: round(sc.recall, 4),
      f1: round(sc.f1, 4),
      eos_median_ms: round(e.median),
      premature: e.premature,
      missed_onsets: missedOnsets(runs, hangover, (r) => gated.get(r)!),
    };
  });
  return {
    rtf: round(tenMs / audioMs, 5),
    f1_ten: round(tenScores.f1, 4),
    f1_silero: round(sileroScores.f1, 4),
    f1_ten_causal: round(tenCausal.f1, 4),
    f1_silero_causal: round(sileroCausal.f1, 4),
    precision_ten: round(tenScores.precision, 4),
    recall_ten: round(tenScores.recall, 4),
    f1_ten_no_floor: round(tenRaw.f1, 4),
    precision_ten_no_floor: round(tenRaw.precision, 4),
    recall_ten_no_floor: round(tenRaw.recall, 4),
    precision_silero: round(sileroScores.precision, 4),
    recall_silero: round(sileroScores.recall, 4),
    eos_median_ms_ten: round(ten.median),
    eos_p90_ms_ten: round(ten.p90),
    eos_median_ms_silero: round(sil.median),
    eos_p90_ms_silero: round(sil.p90),
    premature_ten: ten.premature,
    premature_silero: sil.premature,
    eos_median_ms_ten_no_level_check: round(tenNoCheck.median),
    premature_ten_no_level_check: tenNoCheck.premature,
    eos_by_ending,
    hangover_ms: hangover,
    files: runs.length,
    sweep,
    threshold_sweep,
  };
}

/** Input levels for the quiet-caller sweep, dB relative to the test set as recorded. */
const LEVELS_DB = [0, -10, -20, -30];

/**
 * Quiet callers: TEN VAD's aligned frame F1 (threshold 0.5) with the test set attenuated, as the
 * product runs it and the model alone, wideband and through G.711. Says whether the noise floor,
 * fixed in absolute level, starts to mask speech as the caller gets quieter (it does not, to −30 dB).
 */
async function levelSweep(files: LabelledFile[], det: TenVadDetector) {
  const f1 = async (d: FrameDetector, band: LabelledFile[]) => {
    const runs: FileRun[] = [];
    for (const file of band) {
      const ten = await runTen(d, file.samples);
      runs.push({ file, ten, tenRaw: ten, silero: { p: [], window: 512, ends: [] } });
    }
    return round(scores(runs, (r, f) => r.ten.flag[f + TEN_CENTRE_HOPS] === 1).f1, 4);
  };
  const rows: { level_db: number; band: string; f1: number; f1_no_floor: number }[] = [];
  for (const db of LEVELS_DB) {
    const g = 10 ** (db / 20);
    const quiet = files.map((f) => ({ ...f, samples: f.samples.map((v) => Math.round(v * g)) }));
    const bands = {
      wideband: quiet,
      telephone: quiet.map((f) => ({ ...f, samples: telephoneBand(f.samples).subarray(0, f.samples.length) })),
    };
    for (const [band, fs] of Object.entries(bands)) {
      rows.push({ level_db: db, band, f1: await f1(withNoiseFloor(det, DEFAULT_NOISE_FLOOR_RMS), fs), f1_no_floor: await f1(det, fs) });
    }
  }
  return rows;
}

function print(title: string, f: Figures): void {
  console.log(`\n${title} (${f.files} files, ${PAD_MS} ms of silence appended)`);
  console.table({
    'TEN VAD + gate': {
      precision: f.precision_ten,
      recall: f.recall_ten,
      F1: f.f1_ten,
      'F1 causal': f.f1_ten_causal,
      'EOS median ms': f.eos_median_ms_ten,
      'EOS p90 ms': f.eos_p90_ms_ten,
      premature: f.premature_ten,
    },
    'TEN VAD + gate, no level check': {
      'EOS median ms': f.eos_median_ms_ten_no_level_check,
      premature: f.premature_ten_no_level_check,
    },
    'TEN VAD, no noise floor': {
      precision: f.precision_ten_no_floor,
      recall: f.recall_ten_no_floor,
      F1: f.f1_ten_no_floor,
    },
    'Silero (defaults)': {
      precision: f.precision_silero,
      recall: f.recall_silero,
      F1: f.f1_silero,
      'F1 causal': f.f1_silero_causal,
      'EOS median ms': f.eos_median_ms_silero,
      'EOS p90 ms': f.eos_p90_ms_silero,
      premature: f.premature_silero,
    },
  });
  console.log(
    `F1: each decision scored at the centre of the audio it analysed (TEN VAD: ${WINDOW_SIZE / 16} ms window ending at the hop; Silero: its ${Math.round((512 / RATE) * 1000)} ms window); F1 causal: on the frame where it becomes available`,
  );
  console.log(`real-time factor of our detector: ${f.rtf}`);
  console.log(`end-of-speech median by how the last speech ends (hangover ${f.hangover_ms} ms):`);
  console.table(
    Object.fromEntries(
      Object.entries(f.eos_by_ending).map(([k, e]) => [
        k === 'hard_stop' ? 'hard stop into silence' : 'natural ending',
        {
          files: e.files,
          'TEN VAD + gate': e.eos_median_ms,
          'no level check': e.eos_median_ms_no_level_check,
          Silero: e.eos_median_ms_silero,
        },
      ]),
    ),
  );
  console.log('hangover sweep (our gate; and without its level check):');
  console.table(
    Object.fromEntries(
      f.sweep.map((s) => [
        `${s.hangover_ms} ms`,
        {
          'EOS median ms': s.eos_median_ms,
          'EOS p90 ms': s.eos_p90_ms,
          premature: s.premature,
          'no check: EOS median': s.eos_median_ms_no_level_check,
          'no check: premature': s.premature_no_level_check,
        },
      ]),
    ),
  );
  console.log(`threshold sweep (our gate at ${f.hangover_ms} ms hangover; missed = labelled utterances the gate never opened for):`);
  console.table(
    Object.fromEntries(
      f.threshold_sweep.map((t) => [
        String(t.threshold),
        {
          precision: t.precision,
          recall: t.recall,
          F1: t.f1,
          'EOS median ms': t.eos_median_ms,
          premature: t.premature,
          missed: t.missed_onsets,
        },
      ]),
    ),
  );
  const atParity = f.sweep.find((s) => s.premature <= f.premature_silero);
  const goals = {
    'RTF ≤ 0.008': f.rtf <= 0.008,
    'F1 within 0.01 of Silero': Math.abs(f.f1_ten - f.f1_silero) <= 0.01 || f.f1_ten > f.f1_silero,
    'EOS median ≤ hangover + 40 ms': f.eos_median_ms_ten <= f.hangover_ms + 40,
    'EOS median ≥ 250 ms ahead of Silero': f.eos_median_ms_silero - f.eos_median_ms_ten >= 250,
    'at premature parity, still ahead of Silero': atParity ? atParity.eos_median_ms < f.eos_median_ms_silero : false,
  };
  console.log('goals:', JSON.stringify(goals), atParity ? `(parity at hangover ${atParity.hangover_ms} ms)` : '(no sweep point at parity)');
}

function chart(f: Figures, tel: Figures | null): string {
  const W = 640;
  const H = 360;
  const pad = 50;
  const maxEos = Math.max(...f.sweep.map((s) => s.eos_median_ms), f.eos_median_ms_silero, ...(tel ? [tel.eos_median_ms_silero] : [])) * 1.1;
  const maxPre = Math.max(...f.sweep.map((s) => s.premature), f.premature_silero, 1) * 1.1;
  const x = (h: number) => pad + ((h - 100) / 700) * (W - 2 * pad);
  const yE = (v: number) => H - pad - (v / maxEos) * (H - 2 * pad);
  const yP = (v: number) => H - pad - (v / maxPre) * (H - 2 * pad);
  const line = (pts: [number, number][], color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>` +
    pts.map(([a, b]) => `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${color}"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">TEN VAD gate: hangover sweep (end-of-speech delay vs premature ends)</text>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="black"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#1f77b4"/>
<line x1="${W - pad}" y1="${pad}" x2="${W - pad}" y2="${H - pad}" stroke="#d62728"/>
${SWEEP.map((h) => `<text x="${x(h)}" y="${H - pad + 16}" text-anchor="middle">${h}</text>`).join('')}
<text x="${W / 2}" y="${H - 12}" text-anchor="middle">hangover (ms)</text>
<text x="12" y="${pad - 10}" fill="#1f77b4">EOS median (ms), max ${Math.round(maxEos)}</text>
<text x="${W - 12}" y="${pad - 10}" fill="#d62728" text-anchor="end">premature ends, max ${Math.round(maxPre)}</text>
${line(
  f.sweep.map((s) => [x(s.hangover_ms), yE(s.eos_median_ms)]),
  '#1f77b4',
)}
${line(
  f.sweep.map((s) => [x(s.hangover_ms), yP(s.premature)]),
  '#d62728',
)}
<line x1="${pad}" x2="${W - pad}" y1="${yE(f.eos_median_ms_silero)}" y2="${yE(f.eos_median_ms_silero)}" stroke="#1f77b4" stroke-dasharray="5,4"/>
<text x="${W - pad - 4}" y="${yE(f.eos_median_ms_silero) - 4}" text-anchor="end" fill="#1f77b4">Silero EOS median ${f.eos_median_ms_silero} ms</text>
<line x1="${pad}" x2="${W - pad}" y1="${yP(f.premature_silero)}" y2="${yP(f.premature_silero)}" stroke="#d62728" stroke-dasharray="5,4"/>
<text x="${pad + 4}" y="${yP(f.premature_silero) - 4}" fill="#d62728">Silero premature ${f.premature_silero}</text>
${
  tel
    ? `${line(
        tel.sweep.map((s) => [x(s.hangover_ms), yE(s.eos_median_ms)]),
        '#9ecae1',
      )}<text x="${pad + 4}" y="${pad + 14}" fill="#6baed6">light blue: telephone (G.711) EOS median</text>`
    : ''
}
</svg>`;
}

initializeLogger({ pretty: false, level: 'warn' }); // the agents framework needs its logger before a VAD stream exists
const telephone = process.argv.includes('--telephone');
const files = labelledFiles(PAD_MS);
// ORT's and Silero's pending work does not always hold the event loop open: hold it for the run
const keepRunning = setInterval(() => {}, 1000);
const det = await TenVadDetector.create({ hopSize: HOP });
const model = await silero.VAD.load();
// warm-up pass so JIT and ORT start-up are not billed to the first file's RTF
await runTen(det, files[0]!.samples);

const wide = await evaluate(files, det, model);
print('Wideband (16 kHz)', wide);
let tel: Figures | null = null;
if (telephone) {
  const phoneFiles = files.map((f) => ({ ...f, samples: telephoneBand(f.samples).subarray(0, f.samples.length) }));
  tel = await evaluate(phoneFiles, det, model);
  print('Telephone (G.711 μ-law, 8 kHz, and back)', tel);
}
const levels = await levelSweep(files, det);
console.log('\nquiet callers: TEN VAD frame F1 with the input attenuated (product = behind the noise floor)');
console.table(Object.fromEntries(levels.map((l) => [`${l.level_db} dB ${l.band}`, { F1: l.f1, 'F1 model alone': l.f1_no_floor }])));
const out = join(PROJECT_ROOT, 'out');
mkdirSync(out, { recursive: true });
const svg = join(out, 'vad-sweep.svg');
writeFileSync(svg, chart(wide, tel));
console.log(`\nchart: ${svg}`);
await det.close();
clearInterval(keepRunning);
console.log(JSON.stringify({ ...wide, ...(tel ? { telephone: tel } : {}), level_sweep: levels }));
process.exit(0);
