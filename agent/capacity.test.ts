import type { AgentServer, JobRequest } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { JobCapacity } from './capacity.js';

function request(id: string) {
  const r = { id, accepted: false, rejected: false, accept: async () => void (r.accepted = true), reject: async () => void (r.rejected = true) };
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
    expect(await cap.load(server(['j1']))).toBe(1);
  });

  it('frees the slot when the job has ended, and reports CPU when that is higher', async () => {
    let now = 0;
    const cap = new JobCapacity(4, async () => 0.6, () => now);
    await cap.request(request('j1') as unknown as JobRequest);
    expect(await cap.load(server(['j1']))).toBeCloseTo(0.6); // cpu 0.6 > 1/4 jobs
    await cap.load(server([])); // the job ended
    expect(cap.active).toBe(0);
    await cap.request(request('j2') as unknown as JobRequest);
    now = 31_000; // accepted but never started: forgotten after the accept timeout
    expect(cap.active).toBe(0);
  });

  it('refuses a nonsensical capacity', () => {
    expect(() => new JobCapacity(0, async () => 0)).toThrow(/whole number/);
  });
});
