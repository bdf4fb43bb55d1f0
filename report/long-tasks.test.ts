import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CallProfiler } from '../agent/metrics/call-profile.js';
import {
  busyByCause,
  type CallProfileFile,
  type CpuProfile,
  cpuTable,
  formatCpuTable,
  formatStallTable,
  GC,
  readCallProfile,
  IDLE_IN_STALL,
  JOB_CAUSES,
  NATIVE,
  stallTable,
  stallWindows,
  UNSAMPLED,
} from './long-tasks.js';

const MODEL = JOB_CAUSES[0]!.cause;
const FEATURES = JOB_CAUSES[1]!.cause;
const FFI = JOB_CAUSES[2]!.cause;

/**
 * A profile from a script of (node, µs) samples: nodes 1 root, 2 idle, 3 GC, 4 program, 5 the
 * ONNX run (called from the VAD's features, 6: still the model's), 7 rtc-node's FFI client.
 * A sample lasts until the next one. Starts at t = 1,000,000 µs.
 */
function profile(script: [number, number][]): CpuProfile {
  const nodes = [
    { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 3, 4, 6, 7] },
    { id: 2, callFrame: { functionName: '(idle)', url: '' } },
    { id: 3, callFrame: { functionName: '(garbage collector)', url: '' } },
    { id: 4, callFrame: { functionName: '(program)', url: '' } },
    { id: 6, callFrame: { functionName: 'push', url: 'file:///app/dist/agent/vad/features.js' }, children: [5] },
    { id: 5, callFrame: { functionName: 'run', url: 'file:///app/node_modules/onnxruntime-node/dist/backend.js' } },
    { id: 7, callFrame: { functionName: 'f', url: 'file:///app/node_modules/@livekit/rtc-node/dist/ffi_client.cjs' } },
  ];
  const samples = script.map(([n]) => n);
  const timeDeltas = [0, ...script.slice(0, -1).map(([, us]) => us)];
  const total = script.reduce((a, [, us]) => a + us, 0);
  return { nodes, startTime: 1_000_000, endTime: 1_000_000 + total, samples, timeDeltas };
}
const ms = (node: number, k: number): [number, number][] => Array.from({ length: k }, () => [node, 1000]);
const at = (msFromStart: number) => 1_000_000 + msFromStart * 1000;
const causes = (w: { byCause: Map<string, number> }) => Object.fromEntries([...w.byCause].map(([c, v]) => [c, Math.round(v * 10) / 10]));

/** 0–50 idle · 50–80 model · 80–90 features · 90–190 idle · 190–195 FFI · 195–215 idle · 215–255 GC · 255–275 native · 275–285 idle */
const callScript = (): CpuProfile =>
  profile([...ms(2, 50), ...ms(5, 30), ...ms(6, 10), ...ms(2, 100), ...ms(7, 5), ...ms(2, 20), ...ms(3, 40), ...ms(4, 20), ...ms(2, 10)]);

describe('what held the loop in each stall', () => {
  const p = callScript();

  it('splits each late tick by what ran while it was due', () => {
    const w = stallWindows(p, [
      { endUs: at(90), ms: 40 }, // exactly the model + features block
      { endUs: at(275), ms: 60 }, // the GC then native block
      { endUs: at(200), ms: 15 }, // the FFI block and 10 ms of idle after it
    ]);
    expect(causes(w[0]!)).toEqual({ [MODEL]: 30, [FEATURES]: 10 });
    expect(causes(w[1]!)).toEqual({ [GC]: 40, [NATIVE]: 20 });
    expect(causes(w[2]!)).toEqual({ [IDLE_IN_STALL]: 10, [FFI]: 5 });
  });

  it('a gap between samples is the machine, and time outside the profile is unknown', () => {
    // samples every 1 ms, then one 30 ms gap after an FFI sample
    const gap = profile([...ms(2, 10), [7, 30_000], ...ms(2, 10)]);
    const [w] = stallWindows(gap, [{ endUs: at(41), ms: 31 }]);
    expect(causes(w!)).toEqual({ [FFI]: 1, [UNSAMPLED]: 29, [IDLE_IN_STALL]: 1 });
    const [outside] = stallWindows(gap, [{ endUs: at(-5), ms: 10 }]);
    expect(causes(outside!)).toEqual({ [UNSAMPLED]: 10 });
  });

  it('no stalls, no rows', () => {
    expect(stallTable(stallWindows(p, []), 1000)).toMatchObject({ stalls: 0, p999Ms: 0, rows: [] });
  });
});

describe("the JS thread's CPU by cause over the whole call", () => {
  // 285 ms, of which 180 idle; model 30, features 10, FFI 5, GC 40, native 20
  const p = callScript();

  it('counts every sample to its cause, and waiting and not running as not busy', () => {
    const all = busyByCause(p);
    expect(Math.round(all.ms)).toBe(285);
    expect(causes(all)).toEqual({ [IDLE_IN_STALL]: 180, [MODEL]: 30, [FEATURES]: 10, [FFI]: 5, [GC]: 40, [NATIVE]: 20 });
    // from 100 ms on: the model and features are before it
    const late = busyByCause(p, JOB_CAUSES, at(100));
    expect(Math.round(late.ms)).toBe(185);
    expect(causes(late)).toEqual({ [IDLE_IN_STALL]: 120, [FFI]: 5, [GC]: 40, [NATIVE]: 20 });
    // both readings from one pass are the two read apart
    const stalls = [{ endUs: at(90), ms: 40 }];
    const both = readCallProfile(p, stalls, at(100));
    expect(both.windows.map(causes)).toEqual(stallWindows(p, stalls).map(causes));
    expect(causes(both.thread)).toEqual(causes(late));
  });

  it('gives each cause as % of a core over all the calls, a gap as not running', () => {
    const gap = profile([...ms(2, 10), [7, 30_000], ...ms(2, 10)]); // 50 ms: FFI 1, 29 not running
    const t = cpuTable([busyByCause(p), busyByCause(gap)]);
    expect(t.ms).toBe(335);
    // busy: model 30, features 10, FFI 6, GC 40, native 20 = 106 of 335 ms
    expect(t.busyPct).toBe(31.6);
    expect(t.rows.map((r) => [r.cause, r.pctOfCore])).toEqual([
      [GC, 11.9],
      [MODEL, 9],
      [NATIVE, 6],
      [FEATURES, 3],
      [FFI, 1.8],
    ]);
    expect(t.rows.find((r) => r.cause === GC)!.busyShare).toBe(0.377);
    expect(formatCpuTable(t, 'x')).toContain(`| ${GC} | 11.9 | 37.7 % |`);
    expect(cpuTable([])).toEqual({ busyPct: 0, ms: 0, rows: [] });
  });
});

describe('the stall table', () => {
  it('reads each cause at p99.9 over every tick, and which cause led each long stall', () => {
    // 10,000 ticks; stalls: 2 led by the model (45 ms with 5 of FFI, 30 ms), 1 by GC (25 ms), 50 small FFI ones (2 ms)
    const windows = [
      {
        ms: 50,
        byCause: new Map([
          [MODEL, 45],
          [FFI, 5],
        ]),
      },
      { ms: 30, byCause: new Map([[MODEL, 30]]) },
      { ms: 25, byCause: new Map([[GC, 25]]) },
      ...Array.from({ length: 50 }, () => ({ ms: 2, byCause: new Map([[FFI, 2]]) })),
    ];
    const t = stallTable(windows, 10_000, 20);
    // p99.9 over 10,000 ticks is the 10th largest value
    expect(t).toMatchObject({ ticks: 10_000, stalls: 53, long: 3, maxMs: 50, p999Ms: 2 });
    const row = (c: string) => t.rows.find((r) => r.cause === c)!;
    expect(row(MODEL)).toMatchObject({ p999Ms: 0, stallMs: 75, longLed: 2, longestLedMs: 50 });
    expect(row(FFI)).toMatchObject({ p999Ms: 2, stallMs: 105, longLed: 0 });
    expect(row(GC)).toMatchObject({ longLed: 1, longestLedMs: 25 });
    // with 1,000 ticks the p99.9 is the largest value but one
    const few = stallTable(windows, 1000, 20);
    expect(few.p999Ms).toBe(30);
    expect(few.rows.find((r) => r.cause === MODEL)!.p999Ms).toBe(30);
    expect(few.rows[0]!.cause).toBe(MODEL);
    expect(formatStallTable(few, 'x')).toContain(`| ${MODEL} | 30 | 75 (`);
  });
});

describe('a profiled call (the real profiler and watch)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-profile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Holds the loop in a frame of this file until the process has had `msToBlock` of CPU (not of
   * the wall clock: on a busy machine the thread is descheduled inside the block, and that time is
   * the machine's, which the profile must call not running). Returns the CPU ms it had.
   */
  function injectedBlock(msToBlock: number): number {
    const from = process.cpuUsage();
    let cpuMs = 0;
    while (cpuMs < msToBlock) {
      const d = process.cpuUsage(from);
      cpuMs = (d.user + d.system) / 1000;
    }
    return cpuMs;
  }
  const sleep = (m: number) => new Promise((r) => setTimeout(r, m));

  it('finds each injected block as a stall of its length, caused by the code that blocked', async () => {
    const profiler = await CallProfiler.start(dir, 'CA/test:1');
    await sleep(100);
    const blocks = [60, 60, 60, 120];
    const spans: [number, number][] = [];
    const cpuMs: number[] = [];
    for (const b of blocks) {
      const from = Number(process.hrtime.bigint() / 1000n);
      cpuMs.push(injectedBlock(b));
      spans.push([from, Number(process.hrtime.bigint() / 1000n)]);
      await sleep(80);
    }
    const file = await profiler.stop();
    expect(file).toBe(join(dir, 'CA_test_1.cpuprofile'));
    const p = JSON.parse(readFileSync(file, 'utf8')) as CallProfileFile;
    expect(p.watch.ticks).toBeGreaterThan(50);
    const rules = [{ cause: 'injected', url: /long-tasks\.test/ }, ...JOB_CAUSES];
    for (const [i, [from, to]] of spans.entries()) {
      // the late tick that ended after this block and was due inside it
      const stall = p.watch.stalls.find((s) => s.endUs >= to && s.endUs - s.ms * 1000 < to && s.ms >= blocks[i]! * 0.5);
      expect(stall, `block ${i} (${blocks[i]} ms) seen`).toBeDefined();
      // a stall is its block's wall time (the CPU asked for, and any time the machine took) and
      // the tick's own lateness before it began
      expect(stall!.ms).toBeLessThanOrEqual((to - from) / 1000 + 40);
      const [w] = stallWindows(p, [stall!], rules);
      const injected = w!.byCause.get('injected') ?? 0;
      // of the code that ran in the stall the block leads, and is at least half of the CPU it had
      // (what else is there: the tick's own lateness before the block began, GC, the profiler's
      // thread sharing the CPU time; the machine's share is UNSAMPLED, not code)
      const leader = [...w!.byCause].filter(([c]) => c !== UNSAMPLED).sort((x, y) => y[1] - x[1])[0]![0];
      expect(leader, JSON.stringify(causes(w!))).toBe('injected');
      expect(injected, JSON.stringify(causes(w!))).toBeGreaterThanOrEqual(cpuMs[i]! / 2);
    }
    // over the whole call the blocks are the injected code's time: at least half of the 300 ms of
    // CPU they had, never more than their wall time
    const whole = busyByCause(p, rules).byCause.get('injected') ?? 0;
    expect(whole).toBeGreaterThanOrEqual(150);
    expect(whole).toBeLessThanOrEqual(spans.reduce((a, [f, t]) => a + (t - f) / 1000, 0) + 5);
  });
});
