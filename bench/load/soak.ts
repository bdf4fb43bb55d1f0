import { parseArgs } from 'node:util';
import { dispose } from '@livekit/rtc-node';
import { Redis } from 'ioredis';
import { RedisContextRepo } from '../../agent/context/redis-store.js';
import type { CallSummary } from '../../agent/metrics/call-summary.js';
import type { Service } from '../../stack/service.js';
import { sleep } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { QUESTIONS } from '../ab/plan.js';
import { runWebrtcCaller } from '../../callers/webrtc-leg.js';
import { summarise } from '../../report/stats.js';
import { awaitCallSummaries } from './call-summaries.js';
import { rssSlopeMbPerMin } from '../../report/load/process-figures.js';
import { ProcessSampler } from './process-sampler.js';
import { loadTarget } from './target.js';

/**
 * npm run soak [-- --rooms 3 --minutes 5 --call-s 60]
 *
 * Calls that keep coming: each of `rooms` callers (one user each) calls, talks for `call-s`, hangs
 * up and calls again, for `minutes`. It watches what grows: each job's RSS and open handles from
 * its start to its end, and its RSS trend past the call's first 30 s (sampled each second, the
 * leak signal), the worker process's RSS over the whole run, and whether every context
 * write a call made reached Redis (each call counts a session for its user; the stored count must
 * equal the calls made). Table first, JSON last.
 */
const { values: a } = parseArgs({
  options: {
    rooms: { type: 'string', default: '3' },
    minutes: { type: 'string', default: '5' },
    'call-s': { type: 'string', default: '60' },
    'gap-ms': { type: 'string', default: '5500' },
    url: { type: 'string' },
  },
});
const rooms = Number(a.rooms);
/** A job's RSS may grow at most this much per minute past its call's first minute (issue #22). */
const SLOPE_LIMIT = 0.2;
const minutes = Number(a.minutes);
const callS = Number(a['call-s']);
if (!(rooms >= 1 && minutes > 0 && callS >= 10)) throw new Error('--rooms ≥ 1, --minutes > 0, --call-s ≥ 10');
const runId = Date.now().toString(36);
const services: Pick<Service, 'stop'>[] = [];
process.on('SIGINT', () => void Promise.allSettled(services.map((s) => s.stop())).then(() => process.exit(130)));

try {
  const env = await loadTarget({ url: a.url, modelMedianMs: 700 });
  services.push(env);
  let worker: Service | null = null;
  if (env.local) {
    // SOAK_NODE_OPTIONS (e.g. --heapsnapshot-signal=SIGUSR2): the worker's and so its jobs' NODE_OPTIONS
    const nodeOptions = process.env.SOAK_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SOAK_NODE_OPTIONS } : {};
    worker = await env.startWorker({ PARLEY_MAX_JOBS: String(rooms + 1), PARLEY_CPU_FULL_AT: '0', ...nodeOptions }, 'worker-soak');
    services.push(worker);
  }
  const questions = await Promise.all(QUESTIONS.map((q) => speak(q, 48_000)));
  // every process under this runner once a second: the worker's RSS over the run, each job's over its call
  const sampler = new ProcessSampler().start();

  const deadline = Date.now() + minutes * 60_000;
  const made: string[][] = Array.from({ length: rooms }, () => []);
  const failures: string[] = [];
  let redispatches = 0;
  await Promise.all(
    made.map(async (mine, slot) => {
      await sleep(slot * 700);
      for (let k = 0; Date.now() < deadline - 15_000; k++) {
        const room = `soak-${runId}-s${slot}-c${k}`;
        mine.push(room);
        await runWebrtcCaller(env.target, {
          room,
          identity: `soak-${runId}-user${slot}`,
          questions,
          gapMs: Number(a['gap-ms']),
          untilMs: Math.min(deadline, Date.now() + callS * 1000),
          joinTimeoutMs: 60_000,
        })
          .then((r) => (redispatches += r.redispatched ? 1 : 0))
          .catch((e: Error) => failures.push(`${room}: ${e.message}`));
      }
    }),
  );
  const processes = sampler.stop();
  const rssSamples = (processes.find((p) => p.pid === worker?.pid)?.samples ?? []).map((x) => ({ at: x.at, mb: x.rssMb }));

  const all = made.flat();
  const calls = await awaitCallSummaries(env.target.redisUrl, all);
  // what Redis holds for each user: one session per call, if no write was lost
  const redis = new Redis(env.target.redisUrl);
  const repo = new RedisContextRepo(redis);
  let stored = 0;
  for (let slot = 0; slot < rooms; slot++) stored += (await repo.load(`lk:soak-${runId}-user${slot}`)).signals.sessionCount;
  redis.disconnect();

  const perMin = (c: CallSummary) => (c.rssMb - c.rssStartMb) / Math.max(1 / 60, (c.endedAt - c.callerJoinedAt) / 60_000);
  const growth = calls.map(perMin);
  const slopes = calls.map((c) => rssSlopeMbPerMin(processes, c)).filter((x): x is number => x !== null);
  // past the first minute: the figure a long call is held to (≤ SLOPE_LIMIT MB/min)
  const slopes60 = calls.map((c) => rssSlopeMbPerMin(processes, c, 60_000)).filter((x): x is number => x !== null);
  const handles = calls.map((c) => c.handlesAtEnd - c.handlesAtStart);
  const first = rssSamples[0];
  const last = rssSamples.at(-1);
  const workerGrowth = first && last && last.at > first.at ? ((last.mb - first.mb) / (last.at - first.at)) * 60_000 : null;
  const r1 = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
  const errors =
    failures.length + (all.length - calls.length) + calls.filter((c) => c.contextUnwritten > 0).length + (stored === calls.length ? 0 : 1);
  const out = {
    rooms,
    minutes,
    calls: all.length,
    job_summaries: calls.length,
    job_rss_growth_mb_per_min_median: r1(summarise(growth).median),
    job_rss_growth_mb_per_min_max: r1(growth.length ? Math.max(...growth) : null),
    /** RSS trend past each call's first 30 s (sampled each second): what a leak shows as. */
    job_rss_slope_mb_per_min_after_30s_median: r1(summarise(slopes).median),
    job_rss_slope_mb_per_min_after_30s_max: r1(slopes.length ? Math.max(...slopes) : null),
    /** The same past each call's first minute; over SLOPE_LIMIT is flagged (issue #22). */
    job_rss_slope_mb_per_min_after_60s_median: r1(summarise(slopes60).median),
    job_rss_slope_mb_per_min_after_60s_max: r1(slopes60.length ? Math.max(...slopes60) : null),
    job_rss_slope_over_limit: slopes60.filter((x) => x > SLOPE_LIMIT).length,
    job_handle_growth_max: handles.length ? Math.max(...handles) : null,
    worker_rss_mb_start: r1(first?.mb),
    worker_rss_mb_end: r1(last?.mb),
    worker_rss_growth_mb_per_min: r1(workerGrowth),
    // every job counts its call as a session (ContextStore.update({ session: true })) at its start
    context_sessions_sent: calls.length,
    context_sessions_stored: stored,
    context_updates_unwritten: calls.reduce((n, c) => n + c.contextUnwritten, 0),
    redispatches,
    errors,
  };
  console.log(`\nSoak: ${rooms} callers × ${minutes} min, calls of ${callS} s`);
  console.log('| figure | value |\n|---|---|');
  console.log(`| calls made / job summaries | ${out.calls} / ${out.job_summaries} |`);
  console.log(
    `| job RSS growth over the whole call, start → end, MB/min (median / max) | ${out.job_rss_growth_mb_per_min_median} / ${out.job_rss_growth_mb_per_min_max} |`,
  );
  console.log(
    `| job RSS trend after the first 30 s of each call, MB/min (median / max) | ${out.job_rss_slope_mb_per_min_after_30s_median ?? '–'} / ${out.job_rss_slope_mb_per_min_after_30s_max ?? '–'} |`,
  );
  const flag = out.job_rss_slope_over_limit > 0 ? ` ⚠ ${out.job_rss_slope_over_limit} call(s) over ${SLOPE_LIMIT}` : '';
  console.log(
    `| job RSS trend after the first 60 s of each call, MB/min (median / max; limit ${SLOPE_LIMIT}) | ${out.job_rss_slope_mb_per_min_after_60s_median ?? '–'} / ${out.job_rss_slope_mb_per_min_after_60s_max ?? '–'}${flag} |`,
  );
  console.log(`| job open-handle growth (max) | ${out.job_handle_growth_max} |`);
  console.log(
    `| worker RSS start → end | ${out.worker_rss_mb_start} → ${out.worker_rss_mb_end} MB (${out.worker_rss_growth_mb_per_min} MB/min) |`,
  );
  console.log(`| context sessions sent / stored | ${out.context_sessions_sent} / ${out.context_sessions_stored} |`);
  console.log(`| dispatches made again (not taken in 10 s) | ${redispatches} |`);
  if (failures.length) console.log(`\nfailures:\n  ${failures.join('\n  ')}`);
  console.log(JSON.stringify(out));
  process.exitCode = errors > 0 ? 1 : 0;
} finally {
  for (const s of services.splice(0).reverse()) await s.stop().catch(() => {});
  await dispose();
}
