/** One process's samples over a load run, as the load runner's sampler (bench/load/process-sampler.ts) takes them. */

export type ProcessRole = 'job' | 'inference' | 'worker' | 'livekit-server' | 'redis' | 'runner' | 'control' | 'other';

export interface ProcessSample {
  /** Wall ms at the end of the interval. */
  at: number;
  cpuPct: number;
  rssMb: number;
  /** CPU % of one core per thread name over the interval (threads of one name summed). */
  threads: Record<string, number>;
}

export interface ProcessSeries {
  pid: number;
  role: ProcessRole;
  samples: ProcessSample[];
}
