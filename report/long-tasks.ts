/**
 * Where a job's event loop goes when it stalls: a V8 CPU profile of one call together with the
 * stalls a timer saw in it (both written by `agent/metrics/call-profile.ts` when
 * `PARLEY_CPU_PROFILE_DIR` is set), each stall split by cause.
 *
 * A stall is a tick of the call's 5 ms watch timer that fired late: from when it was due to when
 * it ran, the loop was doing something else. That is what `monitorEventLoopDelay` counts, so the
 * profile's samples inside that window are the stall's causes. (The loop can be busy without
 * stalling: a backlog worked off one `setImmediate` at a time lets timers run between items.
 * Busy time alone would blame it; the stall windows do not.) Each sample is given to a cause by
 * the frames on its stack (the first rule that matches any frame, leaf to root), so a native call
 * shows under the JS that made it: the ONNX run under onnxruntime-node, protobuf decoding under
 * rtc-node's FFI client. Time with no sample at all (the thread, or the profiler's, was not
 * running: the machine) is its own cause.
 *
 * The table answers "cause → ms at p99.9": over every tick of the watch, the p99.9 of the ms that
 * cause took inside the tick's stall (0 for a tick on time), which is what taking that cause off
 * the loop would take off the tail; beside it each cause's total time in stalls and the stalls it
 * led.
 */

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  /** µs, on the clock of `process.hrtime` (V8's monotonic clock). */
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs before each sample (the first is from startTime). */
  timeDeltas: number[];
}

/** A tick of the watch timer that fired `ms` late, at `endUs` (the profile's clock). */
export interface Stall {
  endUs: number;
  ms: number;
}

/** What `agent/metrics/call-profile.ts` writes: the profile, the late ticks and how many ticks there were. */
export interface CallProfileFile extends CpuProfile {
  watch: { tickMs: number; ticks: number; minStallMs: number; stalls: Stall[] };
}

/** A cause and the script URLs that are its work. First match wins. */
export interface CauseRule {
  cause: string;
  url: RegExp;
}

export const JOB_CAUSES: CauseRule[] = [
  { cause: 'TEN VAD model (onnxruntime-node run)', url: /onnxruntime-(node|common)/ },
  { cause: 'TEN VAD features (JS)', url: /\/vad\/(features|fft|pitch|lpc|mel|noise-floor|detector)\./ },
  { cause: 'rtc-node FFI events + protobuf', url: /@livekit\/rtc-node|@bufbuild\/protobuf/ },
  { cause: 'Realtime WebSocket (ws, JSON, base64)', url: /\/ws\/lib\/|agents-plugin-openai|responder\/send-loop/ },
  { cause: 'pacer', url: /\/pacer\// },
  { cause: 'caller input, echo detector, resampling', url: /\/audio\/|\/transports\/twilio\/(media|resample)/ },
  { cause: 'logging (pino)', url: /\/pino|thread-stream|sonic-boom/ },
  { cause: 'Redis, context, thinkers', url: /ioredis|\/context\/|\/thinkers\/|redis-parser/ },
  { cause: 'module loading and compiling', url: /^node:internal\/modules\/|cjs-module-lexer/ },
  { cause: '@livekit/agents (framework)', url: /@livekit\/agents\// },
];
export const GC = 'garbage collector';
/** V8's `(program)`: native work with no JS frame above it (libuv, rtc-node's callbacks arriving). */
export const NATIVE = 'native, no JS frame';
/** A gap between samples well beyond the interval: the thread (or the profiler's) was not running. */
export const UNSAMPLED = 'no sample: not running (the machine)';
/** `(idle)` inside a stall: the loop waiting in the kernel while a timer was due (I/O wait, a late wake-up). */
export const IDLE_IN_STALL = 'idle in the kernel';
export const OTHER = 'other JS';

export interface StallWindow {
  ms: number;
  byCause: Map<string, number>;
}

interface Span {
  from: number;
  to: number;
  cause: string;
}

/**
 * The profile as time spans, each given to its sample's cause (a sample stands for the time until
 * the next one). A gap beyond GAP_INTERVALS typical intervals is the profiler not getting a
 * sample: the part beyond one interval is UNSAMPLED. In time order.
 */
function profileSpans(profile: CpuProfile, rules: CauseRule[]): Span[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const causeCache = new Map<number, string>();
  const causeOf = (id: number): string => {
    const hit = causeCache.get(id);
    if (hit !== undefined) return hit;
    const leaf = byId.get(id)?.callFrame.functionName;
    let cause: string;
    if (leaf === '(idle)') cause = IDLE_IN_STALL;
    else if (leaf === '(garbage collector)') cause = GC;
    else {
      const urls: string[] = [];
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) urls.push(byId.get(x)?.callFrame.url ?? '');
      cause = rules.find((r) => urls.some((u) => r.url.test(u)))?.cause ?? (leaf === '(program)' ? NATIVE : OTHER);
    }
    causeCache.set(id, cause);
    return cause;
  };

  const n = profile.samples.length;
  const at = new Float64Array(n);
  let t = profile.startTime;
  for (let i = 0; i < n; i++) at[i] = t += profile.timeDeltas[i] ?? 0;
  const interval = typicalInterval(profile.timeDeltas);
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const from = at[i]!;
    const to = i + 1 < n ? at[i + 1]! : Math.max(from, profile.endTime);
    const cause = causeOf(profile.samples[i]!);
    if (to - from > GAP_INTERVALS * interval) {
      spans.push({ from, to: from + interval, cause }, { from: from + interval, to, cause: UNSAMPLED });
    } else spans.push({ from, to, cause });
  }
  return spans;
}

/** Each stall's window (`[endUs − ms, endUs]`) split by cause, from the samples inside it. */
export function stallWindows(profile: CpuProfile, stalls: Stall[], rules: CauseRule[] = JOB_CAUSES): StallWindow[] {
  return windowsOf(profileSpans(profile, rules), stalls);
}

/**
 * Where a call's JS thread spent its time over the whole call (not only in stalls): ms per cause
 * from `fromUs` on (e.g. past the call's warm-up), and the ms covered. The waiting (`(idle)`) and
 * the thread not running (UNSAMPLED) are causes too, so the busy ones over `ms` are the thread's
 * CPU share by cause: what per-call CPU is made of on the JS thread.
 */
export function busyByCause(profile: CpuProfile, rules: CauseRule[] = JOB_CAUSES, fromUs = profile.startTime): ThreadTime {
  return threadTimeOf(profileSpans(profile, rules), fromUs);
}

/** Both readings of one call's profile from one pass over its samples: its stalls' windows and its thread time from `fromUs`. */
export function readCallProfile(
  profile: CpuProfile,
  stalls: Stall[],
  fromUs: number,
  rules: CauseRule[] = JOB_CAUSES,
): { windows: StallWindow[]; thread: ThreadTime } {
  const spans = profileSpans(profile, rules);
  return { windows: windowsOf(spans, stalls), thread: threadTimeOf(spans, fromUs) };
}

function windowsOf(spans: Span[], stalls: Stall[]): StallWindow[] {
  return stalls.map((s) => {
    const lo = s.endUs - s.ms * 1000;
    const hi = s.endUs;
    const byCause = new Map<string, number>();
    // first span ending after lo (spans are in time order)
    let a = 0;
    let b = spans.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (spans[m]!.to <= lo) a = m + 1;
      else b = m;
    }
    let covered = 0;
    for (let i = a; i < spans.length && spans[i]!.from < hi; i++) {
      const sp = spans[i]!;
      const us = Math.min(hi, sp.to) - Math.max(lo, sp.from);
      if (us <= 0) continue;
      covered += us;
      byCause.set(sp.cause, (byCause.get(sp.cause) ?? 0) + us / 1000);
    }
    // outside the profile (before its start or after its end): nothing known
    const rest = (hi - lo - covered) / 1000;
    if (rest > 0.001) byCause.set(UNSAMPLED, (byCause.get(UNSAMPLED) ?? 0) + rest);
    return { ms: s.ms, byCause };
  });
}

function threadTimeOf(spans: Span[], fromUs: number): ThreadTime {
  const byCause = new Map<string, number>();
  let ms = 0;
  for (const sp of spans) {
    const us = sp.to - Math.max(sp.from, fromUs);
    if (us <= 0) continue;
    ms += us / 1000;
    byCause.set(sp.cause, (byCause.get(sp.cause) ?? 0) + us / 1000);
  }
  return { ms, byCause };
}

export interface ThreadTime {
  ms: number;
  byCause: Map<string, number>;
}

/** Causes that are not the thread working. */
const NOT_BUSY = new Set([IDLE_IN_STALL, UNSAMPLED]);

export interface CpuRow {
  cause: string;
  /** % of one core, over the calls' profiled time (the mean per call). */
  pctOfCore: number;
  /** Its share of the JS thread's busy time. */
  busyShare: number;
}

/** The JS thread's CPU by cause over one or more calls, largest first; `busyPct` is the sum. */
export function cpuTable(calls: ThreadTime[]): { busyPct: number; ms: number; rows: CpuRow[] } {
  const ms = calls.reduce((a, c) => a + c.ms, 0);
  const total = new Map<string, number>();
  for (const c of calls) for (const [cause, v] of c.byCause) if (!NOT_BUSY.has(cause)) total.set(cause, (total.get(cause) ?? 0) + v);
  const busy = [...total.values()].reduce((a, b) => a + b, 0);
  const rows = [...total]
    .map(([cause, v]) => ({
      cause,
      pctOfCore: ms > 0 ? r1((v / ms) * 100) : 0,
      busyShare: busy > 0 ? Math.round((v / busy) * 1000) / 1000 : 0,
    }))
    .sort((a, b) => b.pctOfCore - a.pctOfCore || b.busyShare - a.busyShare);
  return { busyPct: ms > 0 ? r1((busy / ms) * 100) : 0, ms: Math.round(ms), rows };
}

/** The CPU table as Markdown. */
export function formatCpuTable(t: ReturnType<typeof cpuTable>, title: string): string {
  const lines = [
    `${title}: the JS thread busy ${t.busyPct} % of a core over ${(t.ms / 1000).toFixed(1)} s of call`,
    '| cause | % of a core | share of busy time |',
    '|---|---|---|',
  ];
  for (const r of t.rows) lines.push(`| ${r.cause} | ${r.pctOfCore} | ${(r.busyShare * 100).toFixed(1)} % |`);
  return lines.join('\n');
}

const GAP_INTERVALS = 4;

function typicalInterval(deltas: number[]): number {
  const d = deltas.slice(1).filter((x) => x > 0);
  if (d.length === 0) return 1000;
  d.sort((x, y) => x - y);
  return d[Math.floor(d.length / 2)]!;
}

export interface CauseRow {
  cause: string;
  /** Over every tick: the p99.9 of the ms this cause took inside the tick's stall. */
  p999Ms: number;
  /** Its ms in all stalls, and its share of all stall time. */
  stallMs: number;
  stallShare: number;
  /** Stalls of at least `longMs` in which it took the most time, and the longest of them. */
  longLed: number;
  longestLedMs: number;
}

export interface StallTable {
  ticks: number;
  stalls: number;
  /** The stalls' own length at p99.9 over every tick (what monitorEventLoopDelay would read), and max. */
  p999Ms: number;
  maxMs: number;
  longMs: number;
  long: number;
  rows: CauseRow[];
}

/** p99.9 (nearest rank) over `ticks` values of which only `values` are non-zero. */
function p999OverTicks(values: number[], ticks: number): number {
  const n = Math.max(ticks, values.length);
  if (n === 0) return 0;
  const k = Math.ceil(0.999 * n) - 1; // index into the ascending order
  const zeros = n - values.length;
  if (k < zeros) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, k - zeros)]!;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The stall table over one or more calls' stall windows and their ticks (e.g. every job of a run). */
export function stallTable(windows: StallWindow[], ticks: number, longMs = 20): StallTable {
  const causes = new Set<string>();
  for (const w of windows) for (const c of w.byCause.keys()) causes.add(c);
  const total = windows.reduce((a, w) => a + w.ms, 0);
  const leader = (w: StallWindow) => [...w.byCause].sort((a, b) => b[1] - a[1])[0]?.[0];
  const long = windows.filter((w) => w.ms >= longMs);
  const rows = [...causes].map((cause): CauseRow => {
    const inStall = windows.map((w) => w.byCause.get(cause) ?? 0).filter((x) => x > 0);
    const led = long.filter((w) => leader(w) === cause);
    const ms = inStall.reduce((a, b) => a + b, 0);
    return {
      cause,
      p999Ms: r1(p999OverTicks(inStall, ticks)),
      stallMs: Math.round(ms),
      stallShare: total > 0 ? Math.round((ms / total) * 1000) / 1000 : 0,
      longLed: led.length,
      longestLedMs: r1(Math.max(0, ...led.map((w) => w.ms))),
    };
  });
  rows.sort((a, b) => b.p999Ms - a.p999Ms || b.stallMs - a.stallMs);
  return {
    ticks,
    stalls: windows.length,
    p999Ms: r1(
      p999OverTicks(
        windows.map((w) => w.ms),
        ticks,
      ),
    ),
    maxMs: r1(Math.max(0, ...windows.map((w) => w.ms))),
    longMs,
    long: long.length,
    rows,
  };
}

/** The table as Markdown, longest tail first. */
export function formatStallTable(t: StallTable, title: string): string {
  const lines = [
    `${title}: ${t.stalls} stalls in ${t.ticks} ticks of 5 ms; stall p99.9 ${t.p999Ms} ms, max ${t.maxMs} ms, ${t.long} of ≥ ${t.longMs} ms`,
    `| cause | ms at p99.9 | ms in stalls (share) | stalls ≥ ${t.longMs} ms it led | longest it led |`,
    '|---|---|---|---|---|',
  ];
  for (const r of t.rows)
    lines.push(`| ${r.cause} | ${r.p999Ms} | ${r.stallMs} (${(r.stallShare * 100).toFixed(1)} %) | ${r.longLed} | ${r.longestLedMs} ms |`);
  return lines.join('\n');
}
