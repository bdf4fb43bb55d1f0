import { medianLatency, type TurnView } from './messages.js';

/**
 * Turn records → the geometry of a small latency chart, and that chart as an SVG string. Pure (no DOM),
 * so it is unit-tested in node; main.ts only puts the string in the page.
 */

export type SeriesKey = 'latency' | 'model';

export interface ChartPoint {
  turn: number;
  ms: number;
  x: number;
  y: number;
}

export interface Series {
  key: SeriesKey;
  label: string;
  points: ChartPoint[];
  /** One polyline per run of consecutive turns that have the value: a missing value breaks the line, it is not drawn as 0. */
  path: string;
}

export interface Tick {
  value: number;
  /** x for turn ticks, y for ms ticks. */
  at: number;
}

export interface LatencyChart {
  width: number;
  height: number;
  plot: { left: number; right: number; top: number; bottom: number };
  /** The ms range the y axis covers: always from 0 (or below, for a negative value) to at least the largest value drawn. */
  yMin: number;
  yMax: number;
  yTicks: Tick[];
  xTicks: Tick[];
  series: [Series, Series];
  /** Median perceived latency (the same figure the page prints under the table), or null before any answered turn. */
  median: { ms: number; y: number } | null;
  /** A sentence for screen readers: how many turns, the last turn's figures, the median. */
  summary: string;
}

const WIDTH = 320;
const HEIGHT = 170;
// room for 5-digit ms labels on the left, the legend on top, turn labels below
const PLOT = { left: 40, right: WIDTH - 8, top: 26, bottom: HEIGHT - 24 };
/** Keeps the first and last dots off the axes. */
const X_PAD = 8;
/** Scale used before any value arrives, so the empty chart still has a sensible axis. */
const EMPTY_Y_MAX = 1000;

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function latencyChart(turns: readonly TurnView[]): LatencyChart {
  // records can arrive out of order (reliable data, but two senders could race); lines run in turn order
  const sorted = [...turns].filter((t) => finite(t.turn)).sort((a, b) => a.turn - b.turn);
  const median = medianLatency(sorted.map((t) => ({ ...t, latencyMs: finite(t.latencyMs) ? t.latencyMs : null })));

  const values = sorted.flatMap((t) => [t.latencyMs, t.modelMs].filter(finite));
  if (median !== null) values.push(median);
  const hi = values.length ? Math.max(...values) : EMPTY_Y_MAX;
  const lo = values.length ? Math.min(0, ...values) : 0;
  const yStep = niceStep((hi - lo || EMPTY_Y_MAX) / 4, [1, 2, 2.5, 5]);
  const yMin = Math.floor(lo / yStep) * yStep;
  // a whole number of steps, and at least one, so all-zero or all-equal values still get an axis
  const yMax = Math.max(Math.ceil(hi / yStep) * yStep, yMin + yStep);
  const y = (ms: number) => PLOT.bottom - ((ms - yMin) / (yMax - yMin)) * (PLOT.bottom - PLOT.top);

  const first = sorted[0]?.turn ?? 0;
  const last = sorted.at(-1)?.turn ?? 0;
  const span = PLOT.right - PLOT.left - 2 * X_PAD;
  const x = (turn: number) =>
    first === last ? (PLOT.left + PLOT.right) / 2 : PLOT.left + X_PAD + ((turn - first) / (last - first)) * span;

  const series = (key: SeriesKey, label: string, pick: (t: TurnView) => number | null): Series => {
    const points: ChartPoint[] = [];
    let path = '';
    let run = false;
    for (const t of sorted) {
      const ms = pick(t);
      if (!finite(ms)) {
        run = false;
        continue;
      }
      const p = { turn: t.turn, ms, x: round(x(t.turn)), y: round(y(ms)) };
      points.push(p);
      path += `${path ? ' ' : ''}${run ? 'L' : 'M'}${p.x} ${p.y}`;
      run = true;
    }
    return { key, label, points, path };
  };

  const yTicks: Tick[] = [];
  for (let v = yMin; v <= yMax + yStep / 2; v += yStep) yTicks.push({ value: round(v), at: round(y(v)) });
  const xTicks: Tick[] = [];
  if (sorted.length) {
    // integer turns only, at most ~8 labels however long the call
    const xStep = niceStep(Math.max(1, (last - first) / 8), [1, 2, 5]);
    const start = Math.ceil(first / xStep) * xStep;
    // label the first turn too, unless the first nice tick sits so close that the labels would overlap
    if (start - first >= xStep / 2) xTicks.push({ value: first, at: round(x(first)) });
    for (let v = start; v <= last; v += xStep) xTicks.push({ value: v, at: round(x(v)) });
  }

  return {
    width: WIDTH,
    height: HEIGHT,
    plot: { ...PLOT },
    yMin,
    yMax,
    yTicks,
    xTicks,
    series: [series('latency', 'latency', (t) => t.latencyMs), series('model', 'model', (t) => t.modelMs)],
    median: median === null ? null : { ms: median, y: round(y(median)) },
    summary: summary(sorted, median),
  };
}

/** The chart as a self-contained <svg>; styled by class (style.css), sized by its viewBox so it scales to its pane. */
export function latencyChartSvg(c: LatencyChart): string {
  const { left, right, top, bottom } = c.plot;
  const out: string[] = [];
  out.push(`<svg class="latency-chart" viewBox="0 0 ${c.width} ${c.height}" role="img" aria-label="${esc(c.summary)}">`);
  out.push(`<title>${esc(c.summary)}</title>`);
  for (const t of c.yTicks) {
    out.push(`<line class="grid" x1="${left}" x2="${right}" y1="${t.at}" y2="${t.at}"/>`);
    out.push(`<text class="tick" x="${left - 4}" y="${t.at}" text-anchor="end" dominant-baseline="middle">${t.value}</text>`);
  }
  out.push(`<text class="axis-label" x="${left - 4}" y="${top - 10}" text-anchor="end">ms</text>`);
  for (const t of c.xTicks) out.push(`<text class="tick" x="${t.at}" y="${bottom + 14}" text-anchor="middle">${t.value}</text>`);
  out.push(`<text class="axis-label" x="${left - 4}" y="${bottom + 14}" text-anchor="end">turn</text>`);
  out.push(`<line class="axis" x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}"/>`);
  if (c.median) {
    out.push(`<line class="median" x1="${left}" x2="${right}" y1="${c.median.y}" y2="${c.median.y}" data-ms="${round(c.median.ms)}"/>`);
  }
  // dots shrink as turns crowd together, so a long call stays readable
  const turnsDrawn = Math.max(1, ...c.series.map((s) => s.points.length));
  const r = round(Math.min(3, Math.max(1.2, (right - left - 2 * X_PAD) / turnsDrawn / 3)));
  for (const s of c.series) {
    out.push(`<g class="series ${s.key}" data-series="${s.key}">`);
    if (s.path) out.push(`<path d="${s.path}"/>`);
    for (const p of s.points) {
      const tip = `<title>turn ${p.turn}: ${s.label} ${Math.round(p.ms)} ms</title>`;
      out.push(`<circle cx="${p.x}" cy="${p.y}" r="${r}" data-turn="${p.turn}" data-ms="${round(p.ms)}">${tip}</circle>`);
    }
    out.push('</g>');
  }
  if (!c.series.some((s) => s.points.length)) {
    out.push(`<text class="empty" x="${(left + right) / 2}" y="${(top + bottom) / 2}" text-anchor="middle">no answered turns yet</text>`);
  }
  out.push(legend(c, right));
  out.push('</svg>');
  return out.join('');
}

/** Legend along the top right: a swatch and a name per series, then the median with its value. */
function legend(c: LatencyChart, right: number): string {
  const items: { cls: string; label: string }[] = [
    ...c.series.map((s) => ({ cls: `series ${s.key}`, label: s.label })),
    { cls: 'median', label: c.median ? `median ${Math.round(c.median.ms)} ms` : 'median' },
  ];
  // ~6.5 px per character at the 11 px font, plus the 14 px swatch and a gap
  const widths = items.map((i) => 14 + 4 + i.label.length * 6.5 + 10);
  let x = right - widths.reduce((a, b) => a + b, 0);
  const parts = ['<g class="legend">'];
  items.forEach((item, i) => {
    parts.push(`<g class="${item.cls}"><line x1="${x}" x2="${x + 14}" y1="10" y2="10"/>`);
    parts.push(`<text x="${x + 18}" y="10" dominant-baseline="middle">${esc(item.label)}</text></g>`);
    x += widths[i]!;
  });
  parts.push('</g>');
  return parts.join('');
}

function summary(sorted: readonly TurnView[], median: number | null): string {
  const last = sorted.at(-1);
  if (!last) return 'Latency per turn: no turns yet.';
  const fig = (v: number | null) => (finite(v) ? `${Math.round(v)} ms` : 'none');
  const answered = sorted.filter((t) => finite(t.latencyMs)).length;
  return (
    `Latency per turn, ${sorted.length} turn${sorted.length === 1 ? '' : 's'}. ` +
    `Last, turn ${last.turn} (${last.status}): latency ${fig(last.latencyMs)}, model ${fig(last.modelMs)}.` +
    (median === null ? '' : ` Median latency ${Math.round(median)} ms over ${answered} answered turn${answered === 1 ? '' : 's'}.`)
  );
}

/** The smallest step of the form m·10^k (m from `mantissas`) that is at least `raw`. */
export function niceStep(raw: number, mantissas: readonly number[]): number {
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of mantissas) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** One decimal is finer than a pixel and keeps the SVG string short. */
const round = (v: number) => Math.round(v * 10) / 10;

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
