import { readdir, readFile } from 'node:fs/promises';
import type { ProcessRole, ProcessSeries } from '../../report/load/process-series.js';

/**
 * Samples, once per interval while load runs, every process under a root (the load runner: it
 * starts livekit-server, Redis, the worker and through it the job processes): CPU % of one core
 * over the interval, resident memory, and per thread name the CPU share (where a job's CPU goes:
 * its JS thread, Opus encoding, WebRTC's audio device…). Read from /proc, asynchronously, so the
 * callers in the runner's own event loop are not stalled. Linux only; elsewhere it samples nothing.
 */

interface Reading {
  ticks: number;
  rssMb: number;
  threads: Map<string, number>;
}

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux the project runs on
const PAGE_MB = 4096 / 1048576;

export function roleOf(cmdline: string, pid: number, rootPid: number): ProcessRole {
  if (pid === rootPid) return 'runner';
  if (cmdline.includes('job_proc_lazy_main')) return 'job';
  if (cmdline.includes('inference_proc_lazy_main')) return 'inference';
  if (/agent\/main\.(ts|js)/.test(cmdline)) return 'worker';
  if (cmdline.includes('livekit-server')) return 'livekit-server';
  if (cmdline.includes('redis-server')) return 'redis';
  if (cmdline.includes('deadline-loop.ts')) return 'control';
  return 'other';
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
export function statFields(stat: string): string[] {
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
}

/** utime + stime (fields 14 and 15 of stat; 11 and 12 after the name). */
const cpuTicks = (f: string[]) => Number(f[11]) + Number(f[12]);

async function read(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

async function parentsOf(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  const pids = (await readdir('/proc').catch(() => [])).filter((d) => /^\d+$/.test(d));
  await Promise.all(
    pids.map(async (p) => {
      const stat = await read(`/proc/${p}/stat`);
      if (stat) parents.set(Number(p), Number(statFields(stat)[1]));
    }),
  );
  return parents;
}

function descendants(root: number, parents: Map<number, number>): number[] {
  const out = [root];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!out.includes(pid) && out.includes(ppid)) {
        out.push(pid);
        grew = true;
      }
    }
  }
  return out;
}

async function readProcess(pid: number): Promise<Reading | null> {
  const stat = await read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const f = statFields(stat);
  const threads = new Map<string, number>();
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  await Promise.all(
    tids.map(async (tid) => {
      const [s, comm] = await Promise.all([read(`/proc/${pid}/task/${tid}/stat`), read(`/proc/${pid}/task/${tid}/comm`)]);
      if (!s || !comm) return;
      const name = comm.trim();
      threads.set(name, (threads.get(name) ?? 0) + cpuTicks(statFields(s)));
    }),
  );
  return { ticks: cpuTicks(f), rssMb: Number(f[21]) * PAGE_MB, threads };
}

export class ProcessSampler {
  readonly #series = new Map<number, ProcessSeries>();
  readonly #last = new Map<number, { at: number; reading: Reading }>();
  readonly #rootPid: number;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;

  constructor(
    rootPid = process.pid,
    readonly intervalMs = 1000,
  ) {
    this.#rootPid = rootPid;
  }

  start(): this {
    void this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.intervalMs);
    return this;
  }

  /** Stops sampling and returns every process seen, with its samples. */
  stop(): ProcessSeries[] {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    return [...this.#series.values()].filter((s) => s.samples.length > 0);
  }

  async #tick(): Promise<void> {
    if (this.#busy) return; // a slow /proc walk skips an interval rather than piling up
    this.#busy = true;
    try {
      const parents = await parentsOf();
      const pids = descendants(this.#rootPid, parents);
      await Promise.all(pids.map((pid) => this.#sample(pid)));
    } finally {
      this.#busy = false;
    }
  }

  async #sample(pid: number): Promise<void> {
    const [reading, cmdline] = await Promise.all([readProcess(pid), this.#series.has(pid) ? null : read(`/proc/${pid}/cmdline`)]);
    if (!reading) return;
    const at = Date.now();
    let series = this.#series.get(pid);
    if (!series) {
      series = { pid, role: roleOf((cmdline ?? '').replace(/\0/g, ' '), pid, this.#rootPid), samples: [] };
      this.#series.set(pid, series);
    }
    const prev = this.#last.get(pid);
    this.#last.set(pid, { at, reading });
    if (!prev) return;
    const seconds = (at - prev.at) / 1000;
    if (seconds <= 0) return;
    const pct = (ticks: number) => Math.round((ticks / TICKS_PER_S / seconds) * 1000) / 10;
    const threads: Record<string, number> = {};
    for (const [name, t] of reading.threads) {
      const d = t - (prev.reading.threads.get(name) ?? 0);
      if (d > 0) threads[name] = pct(d);
    }
    series.samples.push({ at, cpuPct: pct(reading.ticks - prev.reading.ticks), rssMb: Math.round(reading.rssMb * 10) / 10, threads });
  }
}
