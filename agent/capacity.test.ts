import type { AgentServer, JobRequest } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { JobCapacity } from './capacity.js';

function request(id: string) {
  const r = {
    id,
    accepted: false,
    rejected: false,
    accept: async () => {
      r.accepted = true;
    },
    reject: async () => {
      r.rejected = true;
    },
  };
  return r;
}
const server = (ids: string[]) => ({ activeJobs: ids.map((id) => ({ job: { id } })) }) as unknown as AgentServer;

describe('JobCapacity', () => {
  it('accepts up to its capacity and rejects the rest at once', async () => {
    const cap = new JobCapacity(1, async () => 0.1);
    const a = request('j1');
    const b = request('j2');
    await cap.request(a as unknown as JobRequest);
    await cap.request(b as unknown as JobRequest); // arrives before any load report
    expect([a.accepted, b.rejected]).toEqual([true, true]);
    expect(await cap.load(server(['j1']))).toBeCloseTo(0.7); // full: the server's target load
  });

  it('stays below livekit-server’s target load until it is full', async () => {
    // the server routes a job only while load < target (0.7): at 3 of 4 jobs the worker must
    // still be offered the 4th, which a plain fraction (0.75) would refuse
    const cap = new JobCapacity(4, async () => 0, Date.now, 30_000, 0.7);
    const ids = ['j1', 'j2', 'j3'];
    for (const id of ids) await cap.request(request(id) as unknown as JobRequest);
    expect(await cap.load(server(ids))).toBeLessThan(0.7);
    expect(await cap.load(server(ids))).toBeCloseTo(0.525);
    await cap.request(request('j4') as unknown as JobRequest);
    expect(await cap.load(server([...ids, 'j4']))).toBeCloseTo(0.7);
  });

  it('frees the slot when the job has ended, and reports CPU when that is higher', async () => {
    let now = 0;
    const cap = new JobCapacity(
      4,
      async () => 0.6,
      () => now,
    );
    await cap.request(request('j1') as unknown as JobRequest);
    expect(await cap.load(server(['j1']))).toBeCloseTo(0.6 * 0.7); // cpu 0.6 > 1/4 jobs, on the server's scale
    await cap.load(server([])); // the job ended
    expect(cap.active).toBe(0);
    await cap.request(request('j2') as unknown as JobRequest);
    now = 31_000; // accepted but never started: forgotten after the accept timeout
    expect(cap.active).toBe(0);
  });

  it('refuses a nonsensical capacity', () => {
    expect(() => new JobCapacity(0, async () => 0)).toThrow(/whole number/);
    expect(() => new JobCapacity(2, async () => 0, Date.now, 30_000, 1.5)).toThrow(/target load/);
  });
});
