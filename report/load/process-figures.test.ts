import { describe, expect, it } from 'vitest';
import type { CallSummary } from '../../agent/metrics/call-summary.js';
import { cpuByRole, jobProcessFigures, medianOverJobs, peakRssMb, rssSlopeMbPerMin } from './process-figures.js';
import type { ProcessSeries } from './process-series.js';

const call = (room: string, pid: number, from: number, to: number) => ({ room, pid, callerJoinedAt: from, endedAt: to }) as CallSummary;
const series = (pid: number, role: ProcessSeries['role'], cpu: number[], rss: number[] = cpu.map(() => 200), t0 = 1000): ProcessSeries => ({
  pid,
  role,
  samples: cpu.map((c, i) => ({ at: t0 + i * 1000, cpuPct: c, rssMb: rss[i]!, threads: { node: c * 0.6, AudioEncoder: c * 0.4 } })),
});

describe('jobProcessFigures', () => {
  it('takes each job’s samples inside its own call only, by pid', () => {
    const s = [series(10, 'job', [1, 30, 10, 12, 14, 2], [150, 180, 190, 200, 210, 215]), series(11, 'job', [50, 50, 50])];
    // the call ran from t=1500 to t=5000: samples at 2000..5000 (the idle 1 % before it is not the call's)
    const [j] = jobProcessFigures(s, [call('room-a', 10, 1500, 5000)]);
    expect(j).toMatchObject({ room: 'room-a', pid: 10, seconds: 4, cpu_pct_max: 30, rss_mb_start: 180, rss_mb_max: 210, rss_mb_end: 210 });
    expect(j!.cpu_pct_p50).toBe(13);
    expect(j!.threads.node).toBeCloseTo(((30 + 10 + 12 + 14) * 0.6) / 4, 1);
  });

  it('skips a call whose process was never sampled, and a non-job process with the same pid', () => {
    expect(jobProcessFigures([series(10, 'other', [5, 5])], [call('r', 10, 0, 9999)])).toEqual([]);
    expect(jobProcessFigures([], [call('r', 10, 0, 9999)])).toEqual([]);
  });

  it('gives the median job', () => {
    const s = [series(1, 'job', [10, 10]), series(2, 'job', [20, 20]), series(3, 'job', [90, 90])];
    const jobs = jobProcessFigures(s, [call('a', 1, 0, 9999), call('b', 2, 0, 9999), call('c', 3, 0, 9999)]);
    expect(medianOverJobs(jobs, 'cpu_pct_p50')).toBe(20);
  });
});

describe('cpuByRole', () => {
  it('sums the processes of a role and averages over the window', () => {
    // two jobs at 20 % and 40 % for the whole window, and a server at 10 % for half of it
    const s = [series(1, 'job', [20, 20, 20, 20]), series(2, 'job', [40, 40, 40, 40]), series(3, 'livekit-server', [10, 10, 0, 0])];
    const by = cpuByRole(s, 1000, 4000); // samples at 2000, 3000, 4000
    expect(by.job).toBeCloseTo(60, 5);
    expect(by['livekit-server']).toBeCloseTo(3.3, 1);
  });
});

describe('rssSlopeMbPerMin', () => {
  it('measures the trend after the warm-up only', () => {
    // 20 MB of warm-up in the first 30 s, then +1 MB every 10 s (6 MB/min) for 60 s
    const rss = Array.from({ length: 91 }, (_, i) => (i <= 30 ? 150 + (20 * i) / 30 : 170 + (i - 30) / 10));
    const s = [
      series(
        7,
        'job',
        rss.map(() => 10),
        rss,
        0,
      ),
    ];
    expect(rssSlopeMbPerMin(s, call('r', 7, 0, 90_000))).toBeCloseTo(6, 5);
  });

  it('past the first minute, as the soak reports it: a warm-up that lasts a minute is not a leak', () => {
    // 30 MB of warm-up over the first 60 s, then flat for 4 minutes
    const rss = Array.from({ length: 301 }, (_, i) => (i <= 60 ? 150 + i / 2 : 180));
    const s = [
      series(
        7,
        'job',
        rss.map(() => 10),
        rss,
        0,
      ),
    ];
    expect(rssSlopeMbPerMin(s, call('r', 7, 0, 300_000))).toBeGreaterThan(1);
    expect(rssSlopeMbPerMin(s, call('r', 7, 0, 300_000), 60_000)).toBe(0);
  });

  it('is flat for a steady process and unknown for a short call', () => {
    const s = [series(7, 'job', Array(60).fill(10), Array(60).fill(200), 0)];
    expect(rssSlopeMbPerMin(s, call('r', 7, 0, 59_000))).toBe(0);
    expect(rssSlopeMbPerMin(s, call('r', 7, 0, 35_000))).toBeNull();
  });
});

describe('peakRssMb', () => {
  it('sums the chosen roles second by second (each process sampled at its own moment) and takes the largest sum in the window', () => {
    const s = [
      series(1, 'worker', [1, 1, 1, 1], [100, 100, 100, 100], 1000),
      // sampled 300 ms later in each second than the worker: the same seconds
      series(2, 'job', [1, 1, 1, 1], [150, 180, 160, 500], 1300),
      series(3, 'job', [1, 1], [40, 45], 2300),
      // not the worker side: never counted
      series(4, 'livekit-server', [1, 1, 1, 1], [900, 900, 900, 900], 1000),
    ];
    // seconds 1..4: 250, 100+180+40 = 320, 100+160+45 = 305, 600 (outside the window below)
    expect(peakRssMb(s, ['worker', 'job'], 0, 3500)).toBe(320);
    expect(peakRssMb(s, ['worker', 'job'], 0, 5000)).toBe(600);
    expect(peakRssMb(s, ['inference'], 0, 5000)).toBeNull();
  });

  it('counts each process once however its samples fall in the seconds (a late sampler), and not after its last sample', () => {
    const at = (pid: number, role: ProcessSeries['role'], times: number[], rss: number): ProcessSeries => ({
      pid,
      role,
      samples: times.map((t) => ({ at: t, cpuPct: 1, rssMb: rss, threads: {} })),
    });
    const s = [
      at(1, 'worker', [1000, 2000, 3000, 4000, 5000], 100),
      // a sampler running late: 2510 and 3450 fall in the same calendar second (3), 4490 and 5550 in none shared
      at(2, 'job', [1500, 2510, 3450, 4490, 5550], 400),
      // a job process that ended after its sample at 2000
      at(3, 'job', [1000, 2000], 100),
    ];
    // at most 100 + 400 + 100 at once, never 100 + 2 × 400
    expect(peakRssMb(s, ['worker', 'job'], 0, 6000)).toBe(600);
    // from 3600 on the ended process is gone: 100 + 400
    expect(peakRssMb(s, ['worker', 'job'], 3600, 6000)).toBe(500);
  });
});
