import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEECH_RMS } from '../../callers/heard.js';
import { sleep, until } from '../../callers/wait.js';
import { speak } from '../../speech/clips.js';
import { startCallStack, type CallStack } from '../support/call-stack.js';
import { jobsOfRoom } from '../support/job-states.js';

/**
 * How livekit-server records Parley's jobs. @livekit/agents 1.9.0 never reports a job's end, so
 * the server records every one as failed ("agent worker left the room"); our patch of it
 * (patches/@livekit+agents+1.9.0.patch, applied by npm ci) reports succeeded for a call that
 * ended normally, before the agent leaves the room, and failed for a job that crashed.
 */
let env: CallStack;
let question: Int16Array;

beforeAll(async () => {
  env = await startCallStack('jobstatus', { PARLEY_IDLE_NUDGE_MS: '1000', PARLEY_IDLE_GOODBYE_MS: '3000' });
  env.peer.setScript({ reply: () => 'Sure.' });
  question = await speak('What time is it?');
});

afterAll(async () => env?.stop());

const ended = (room: string) =>
  until(
    `the job of ${room} to end`,
    () => {
      const jobs = jobsOfRoom(env.stack.livekitLog, room);
      return jobs.length > 0 && jobs.every((j) => j.status !== null) && jobs;
    },
    20_000,
  );

/** The job processes the worker has forked (idle ones and the one serving a call). */
function jobProcesses(workerPid: number, entry = 'job_proc_lazy_main'): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      if (ppid === workerPid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(entry)) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The shared objects and Node addons a process has mapped. */
function nativeModules(pid: number): string[] {
  const paths = new Set<string>();
  let maps = '';
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    // gone meanwhile: it maps nothing
  }
  for (const line of maps.split('\n')) {
    const path = line.split(/\s+/)[5];
    if (path && /\.node$|\.so(\.|$)/.test(path)) paths.add(path);
  }
  return [...paths];
}

/** A job process that has finished its prewarm: it has the VAD's onnxruntime addon mapped. */
const prewarmedIdleProcess = () =>
  until(
    'a prewarmed idle job process',
    () => jobProcesses(env.worker.pid).find((pid) => nativeModules(pid).some((m) => m.includes('onnxruntime_binding'))),
    30_000,
  );

describe('the worker’s processes', () => {
  it('job processes, and no inference process for LiveKit’s end-of-turn model Parley does not use', async () => {
    // the framework starts both as the worker starts: idle job processes, and (unpatched) the inference process
    await until('an idle job process', () => jobProcesses(env.worker.pid).length > 0, 20_000);
    expect(jobProcesses(env.worker.pid, 'inference_proc_lazy_main')).toEqual([]);
  });

  it('no native image library in the worker or its job processes (sharp, loaded by the framework for video frames only)', async () => {
    // a prewarmed idle process has the VAD's onnxruntime binding mapped: the same check sees a
    // native addon that is loaded, so the absence of sharp's is not a blind spot
    const prewarmed = await prewarmedIdleProcess();
    for (const pid of [env.worker.pid, prewarmed, ...jobProcesses(env.worker.pid)]) {
      expect(
        nativeModules(pid).filter((m) => /sharp|libvips/.test(m)),
        `process ${pid}`,
      ).toEqual([]);
    }
  });

  it('an idle job process sleeps: no framework loop monitor ticking in it (its 20 ms timer and watchdog thread wake it ~100 times a second)', async () => {
    const idle = await prewarmedIdleProcess();
    // the count's own control: a process doing nothing but a 20 ms timer, counted the same way
    // beside it, so a count that cannot see wake-ups fails here rather than passing
    const ticker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 20)'], { stdio: 'ignore' });
    try {
      // the monitor starts once prewarm is done, and the processes' start-up wakes them too: let them settle
      await sleep(2000);
      const before = [wakeUps(idle), wakeUps(ticker.pid!)];
      await sleep(3000);
      const [idlePerSecond, tickerPerSecond] = [wakeUps(idle), wakeUps(ticker.pid!)].map((n, i) => (n - before[i]!) / 3);
      expect(tickerPerSecond, 'a 20 ms timer, wake-ups a second').toBeGreaterThanOrEqual(40);
      expect(idlePerSecond, 'the idle job process, wake-ups a second').toBeLessThan(20);
    } finally {
      ticker.kill();
    }
  });
});

/** Voluntary context switches (each a wake-up) of all of a process's threads so far. */
function wakeUps(pid: number): number {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      n += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the thread ended meanwhile
    }
  }
  return n;
}

describe('job status as livekit-server records it', () => {
  it('a call the caller ends: succeeded, and not started again', async () => {
    const { bot, room } = await env.calls.call();
    const asked = await bot.say(question);
    await until('the answer', () => bot.firstSoundAfter(asked, SPEECH_RMS), 20_000);
    await bot.leave();
    const jobs = await ended(room);
    expect(jobs).toEqual([{ jobId: expect.any(String), status: 'JS_SUCCESS', error: null }]);
    await sleep(3000);
    expect(jobsOfRoom(env.stack.livekitLog, room)).toHaveLength(1); // no second job for the room
  });

  it('a call the agent ends (idle goodbye, the room deleted): succeeded', async () => {
    const { bot, room } = await env.calls.call();
    await until('the room to be deleted', async () => !(await env.stack.rooms.listRooms()).some((r) => r.name === room), 20_000);
    const jobs = await ended(room);
    expect(jobs.map((j) => j.status)).toEqual(['JS_SUCCESS']);
    await bot.leave();
  });

  it('a job whose process dies mid-call: failed', async () => {
    const { bot, room } = await env.calls.call();
    const asked = await bot.say(question);
    await until('the answer', () => bot.firstSoundAfter(asked, SPEECH_RMS), 20_000);
    // a crash: every job process of the worker killed outright (the idle ones are forked again)
    for (const pid of jobProcesses(env.worker.pid)) process.kill(pid, 'SIGKILL');
    const jobs = await ended(room);
    expect(jobs.map((j) => j.status)).toEqual(['JS_FAILED']);
    await bot.leave();
  });
});
