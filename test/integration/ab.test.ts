import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJsonLine, runTs } from '../support/run-node.js';
import { ROOT } from '../../stack/test-stack.js';

/**
 * `npm run ab` at small N, as CI runs it: 10 turns × {local, server VAD} × {WebRTC, SIP, Twilio WS} on the
 * real stack, then the report. The runner is a process of its own (it starts its own stack), so
 * this test checks what a person running it gets: the tables, the files, and the JSON line.
 */
const OUT = join(ROOT, 'out', 'ab-ci');
const TURNS = 10;
/** A known WAN to the model (no jitter), so the commit's round trip is known too. */
const RTT_MS = 150;

describe('npm run ab', () => {
  it('measures every configuration and reports latency, statistics and bandwidth', async () => {
    const run = await runTs(['bench/ab/main.ts', '--turns', String(TURNS), '--out', OUT, '--rtt-ms', String(RTT_MS), '--jitter-ms', '0']);
    // the run's tables and JSON, for a reader of the CI run
    writeFileSync(join(OUT, 'ab.log'), run.out);
    expect(run.code, run.out.slice(-3000)).toBe(0);
    const r = lastJsonLine(run.out);
    const keys = ['webrtc/local', 'webrtc/server_vad', 'sip/local', 'sip/server_vad', 'twilio_ws/local', 'twilio_ws/server_vad'];
    expect(Object.keys(r.groups).sort()).toEqual([...keys].sort());
    for (const k of keys) {
      const g = r.groups[k];
      // nearly every question answered (a loaded CI machine may lose one to timing)
      expect(r.answered[k], k).toBeGreaterThanOrEqual(TURNS - 2);
      expect(g.n, k).toBeGreaterThanOrEqual(TURNS - 2);
      // the model latency is the stand-in's; what the system adds is positive and bounded
      expect(g.system_added_median_ms, k).toBeGreaterThan(0);
      expect(g.system_added_median_ms, k).toBeLessThan(g.perceived_median_ms);
      expect(g.commit_median_ms, k).toBeGreaterThan(0);
      // each answer is paired with its own question: the model latency measured is the stand-in's
      // (log-normal, median 700 ms), not the time to some later answer
      expect(g.model_median_ms, k).toBeLessThan(1500);
    }
    // commit sent → acknowledged sees the model's round trip: at least the injected 150 ms, and
    // not much more (the worker's and the stand-in's own time on a loaded machine)
    expect(r.wan).toEqual({ rttMs: RTT_MS, jitterMs: 0 });
    for (const k of ['webrtc/local', 'sip/local', 'twilio_ws/local']) {
      expect(r.commit_ack_ms[k], k).toBeGreaterThanOrEqual(RTT_MS);
      expect(r.commit_ack_ms[k], k).toBeLessThan(RTT_MS + 80);
    }
    // the local gate decides the turn sooner than the server's 500 ms silence rule, on every transport
    for (const t of ['webrtc', 'sip', 'twilio_ws']) {
      expect(r.groups[`${t}/local`].system_added_median_ms).toBeLessThan(r.groups[`${t}/server_vad`].system_added_median_ms);
    }
    // the caller's own clock agrees: measured from where its speech really ended to the first
    // answer sound at its ear (network and jitter buffer included, the agent's VAD not trusted)
    for (const k of keys) {
      const c = r.caller_heard_ms[k];
      expect(c.n, k).toBeGreaterThanOrEqual(TURNS - 2);
      expect(c.median, k).toBeGreaterThan(r.groups[k].model_median_ms);
      expect(c.median, k).toBeLessThan(r.groups[k].perceived_median_ms + 500);
    }
    for (const t of ['webrtc', 'sip', 'twilio_ws']) {
      expect(r.caller_heard_ms[`${t}/local`].median, t).toBeLessThan(r.caller_heard_ms[`${t}/server_vad`].median);
    }
    // one group per transport, each with the same keys
    expect(Object.keys(r.transports)).toEqual(['webrtc', 'sip', 'twilio_ws']);
    for (const t of ['webrtc', 'sip', 'twilio_ws']) {
      expect(Object.keys(r.transports[t]).sort(), t).toEqual(Object.keys(r.transports.webrtc).sort());
      expect(r.transports[t].caller_heard_n, t).toBeGreaterThanOrEqual(2 * (TURNS - 2));
      expect(r.transports[t].system_added_median_ms, t).toBeGreaterThan(0);
    }
    // Welch/Cohen for every pair of transports
    for (const [a, b] of [
      ['webrtc/*', 'sip/*'],
      ['webrtc/*', 'twilio_ws/*'],
      ['sip/*', 'twilio_ws/*'],
    ]) {
      expect(
        r.pairs.find((p: { a: string; b: string }) => p.a === a && p.b === b),
        `${a} vs ${b}`,
      ).toMatchObject({ welch_p: expect.any(Number) });
    }
    const vad = r.pairs.find((p: { a: string; b: string }) => p.a === '*/local' && p.b === '*/server');
    expect(vad).toMatchObject({ welch_t: expect.any(Number), welch_p: expect.any(Number), cohen_d: expect.any(Number) });
    // the phone leg is band-limited by G.711 at 8 kHz; the browser leg is not
    expect(r.bandwidth_99_hz_by_transport.sip).toBeLessThan(4000);
    expect(r.bandwidth_99_hz_by_transport.sip).toBeLessThan(r.bandwidth_99_hz_by_transport.webrtc);
    // so is Twilio's μ-law 8 kHz stream
    expect(r.bandwidth_99_hz_by_transport.twilio_ws).toBeLessThan(4000);
    for (const f of ['turns.jsonl', 'report.html', 'heard-webrtc-local.wav', 'heard-sip-server_vad.wav', 'heard-twilio_ws-local.wav'])
      expect(existsSync(join(OUT, f)), f).toBe(true);

    // `npm run report` on the exported records gives the same figures
    const rep = await runTs(['report/main.ts', '--jsonl', join(OUT, 'turns.jsonl'), '--html', join(OUT, 'again.html'), '--json']);
    expect(rep.code).toBe(0);
    expect(lastJsonLine(rep.out).groups).toEqual(r.groups);
  }, 900_000);
});
