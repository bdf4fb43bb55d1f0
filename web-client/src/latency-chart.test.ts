import { describe, expect, it } from 'vitest';
import { latencyChart, latencyChartSvg as svgOf, niceStep } from './latency-chart.js';
import { medianLatency, type TurnView } from './messages.js';

const turn = (n: number, latencyMs: number | null, modelMs: number | null, status = 'completed'): TurnView => ({
  turn: n,
  status,
  latencyMs,
  modelMs,
  bargeIn: false,
});

const five = [turn(1, 640, 290), turn(2, 900, 410), turn(3, 520, 250), turn(4, 1730, 1210), turn(5, 700, 330)];
const latencyChartSvg = (turns: readonly TurnView[]) => svgOf(latencyChart(turns));
const count = (svg: string, re: RegExp) => svg.match(re)?.length ?? 0;

describe('latency chart geometry', () => {
  it('draws one point per turn in each series, left to right in turn order', () => {
    const c = latencyChart([...five].reverse()); // arrival order must not matter
    for (const s of c.series) {
      expect(s.points).toHaveLength(5);
      expect(s.points.map((p) => p.turn)).toEqual([1, 2, 3, 4, 5]);
      const xs = s.points.map((p) => p.x);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      expect(new Set(xs).size).toBe(5);
      expect(s.path.match(/M/g)).toHaveLength(1); // one unbroken line
    }
    expect(c.series[0].points.map((p) => p.ms)).toEqual([640, 900, 520, 1730, 700]);
    expect(c.series[1].points.map((p) => p.ms)).toEqual([290, 410, 250, 1210, 330]);
    for (const p of c.series.flatMap((s) => s.points)) {
      expect(p.x).toBeGreaterThanOrEqual(c.plot.left);
      expect(p.x).toBeLessThanOrEqual(c.plot.right);
    }
  });

  it('scales y from 0 to cover the largest value, larger values higher up, with ticks at both ends', () => {
    const c = latencyChart(five);
    expect(c.yMin).toBe(0);
    expect(c.yMax).toBeGreaterThanOrEqual(1730);
    expect(c.yMax).toBeLessThan(1730 * 1.5); // covers it without squashing the rest
    const [lat] = c.series;
    const top = lat.points.find((p) => p.ms === 1730)!;
    const low = lat.points.find((p) => p.ms === 520)!;
    expect(top.y).toBeGreaterThanOrEqual(c.plot.top);
    expect(top.y).toBeLessThan(low.y); // SVG y grows downwards
    expect(low.y).toBeLessThanOrEqual(c.plot.bottom);
    expect(c.yTicks[0]).toEqual({ value: 0, at: c.plot.bottom });
    expect(c.yTicks.at(-1)).toEqual({ value: c.yMax, at: c.plot.top });
    // ms → y is linear: a tick's position matches a point's position for the same value
    const tick = c.yTicks.find((t) => t.value === 500)!;
    expect(tick.at).toBeCloseTo(c.plot.bottom - (500 / c.yMax) * (c.plot.bottom - c.plot.top), 1);
  });

  it('puts the median line at the median perceived latency, on the same scale as the points', () => {
    const c = latencyChart(five);
    expect(c.median?.ms).toBe(700);
    expect(c.median?.ms).toBe(medianLatency(five)); // the same figure the page prints
    const same = c.series[0].points.find((p) => p.ms === 700)!;
    expect(c.median?.y).toBe(same.y);
    const even = latencyChart([turn(1, 500, null), turn(2, 800, null)]);
    expect(even.median?.ms).toBe(650);
  });

  it('draws no series, no median and no x labels for no turns, yet keeps an axis', () => {
    const c = latencyChart([]);
    expect(c.series.map((s) => s.points.length)).toEqual([0, 0]);
    expect(c.series.map((s) => s.path)).toEqual(['', '']);
    expect(c.median).toBeNull();
    expect(c.xTicks).toEqual([]);
    expect(c.yTicks.length).toBeGreaterThan(1);
    expect(c.summary).toBe('Latency per turn: no turns yet.');
    const svg = latencyChartSvg([]);
    expect(count(svg, /<circle/g)).toBe(0);
    expect(count(svg, /<path/g)).toBe(0);
    expect(svg).not.toContain('class="median" x1');
    expect(svg).toContain('no answered turns yet');
  });

  it('skips missing or non-finite values instead of drawing them as 0, and breaks the line there', () => {
    const turns = [turn(1, 640, 290), turn(2, null, null, 'cancelled'), turn(3, 520, NaN), turn(4, Infinity, 300), turn(5, 700, 330)];
    const c = latencyChart(turns);
    const [lat, model] = c.series;
    expect(lat.points.map((p) => p.turn)).toEqual([1, 3, 5]);
    expect(model.points.map((p) => p.turn)).toEqual([1, 4, 5]);
    for (const p of [...lat.points, ...model.points]) {
      expect(Number.isFinite(p.y)).toBe(true);
      expect(p.ms).toBeGreaterThan(0);
      expect(p.y).toBeLessThan(c.plot.bottom); // nothing sits on the zero line
    }
    // a gap starts a new sub-path rather than joining across the missing turn
    expect(lat.path.match(/M/g)).toHaveLength(3);
    expect(model.path.match(/M/g)).toHaveLength(2); // 1 | 4-5
    expect(c.median?.ms).toBe(640); // median of 640, 520, 700: Infinity is not a latency
    expect(c.yMax).toBeLessThan(2000);
    expect(latencyChartSvg(turns)).not.toMatch(/NaN|Infinity/);
  });

  it('keeps the x labels to a handful and the turns on the axis for a long call', () => {
    const many = Array.from({ length: 150 }, (_, i) => turn(i + 1, 500 + (i % 7) * 40, 250 + (i % 5) * 20));
    const c = latencyChart(many);
    expect(c.series.map((s) => s.points.length)).toEqual([150, 150]);
    expect(c.xTicks.length).toBeLessThanOrEqual(10);
    expect(c.xTicks[0]?.value).toBe(1);
    expect(c.xTicks.every((t) => Number.isInteger(t.value))).toBe(true);
    const lastX = c.series[0].points.at(-1)!.x;
    expect(lastX).toBeLessThanOrEqual(c.plot.right);
    expect(count(latencyChartSvg(many), /<circle/g)).toBe(300);
  });

  it('centres a single turn and still scales when every value is 0', () => {
    const c = latencyChart([turn(7, 0, 0)]);
    expect(c.series[0].points[0]?.x).toBe((c.plot.left + c.plot.right) / 2);
    expect(c.yMax).toBeGreaterThan(0);
    expect(c.series[0].points[0]?.y).toBe(c.plot.bottom);
    expect(c.xTicks.map((t) => t.value)).toEqual([7]);
  });
});

describe('latency chart SVG', () => {
  it('summarises the last turn and the median for screen readers, in aria-label and <title>', () => {
    const svg = latencyChartSvg(five);
    const label =
      'Latency per turn, 5 turns. Last, turn 5 (completed): latency 700 ms, model 330 ms. Median latency 700 ms over 5 answered turns.';
    expect(svg).toContain(`role="img" aria-label="${label}"`);
    expect(svg).toContain(`<title>${label}</title>`);
    const unanswered = latencyChartSvg([...five, turn(6, null, null, 'cancelled')]);
    expect(unanswered).toContain('Last, turn 6 (cancelled): latency none, model none.');
  });

  it('has a legend for both series and the median, a dashed median line, and ms on the y axis', () => {
    const svg = latencyChartSvg(five);
    expect(svg).toMatch(/<g class="legend">.*>latency<.*>model<.*>median 700 ms</);
    expect(svg).toMatch(/<line class="median" [^>]*data-ms="700"/);
    expect(svg).toContain('>ms</text>');
    expect(svg).toContain('>turn</text>');
    expect(count(svg, /data-series="latency"/g)).toBe(1);
    expect(count(svg, /data-series="model"/g)).toBe(1);
    expect(count(svg, /<circle /g)).toBe(10);
    expect(svg).toContain('<title>turn 4: latency 1730 ms</title>');
  });

  it('escapes text that comes from the agent', () => {
    const svg = latencyChartSvg([turn(1, 500, 200, '<img src=x onerror=alert(1)>"')]);
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&#60;img src=x onerror=alert(1)&#62;&#34;');
  });
});

describe('nice steps', () => {
  it('rounds a raw step up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0.3, 1, 3, 240, 260, 432, 4000].map((v) => niceStep(v, [1, 2, 2.5, 5]))).toEqual([0.5, 1, 5, 250, 500, 500, 5000]);
    expect(niceStep(12.4, [1, 2, 5])).toBe(20);
    expect(niceStep(9.1, [1, 2, 5])).toBe(10);
  });
});
