import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newTurn, type TurnRecord } from '../agent/metrics/record.js';
import { rng } from '../agent/util/rng.js';
import { buildReport } from './report.js';
import { compare } from './stats.js';

/** Synthetic turns with known parts: VAD end detection, model latency, pacer. */
function turns(transport: 'webrtc' | 'sip', vadMode: 'local' | 'server_vad', n: number, endMs: number, seed: number): TurnRecord[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const t = newTurn({ callId: `c${seed}`, room: `r${seed}`, turn: i + 1, transport, vadMode });
    const s = 1_000_000 + i * 10_000;
    const model = i % 4 === 0 ? 400 + rand() * 300 : 1100 + rand() * 900; // a quarter are fillers
    t.speechEndAt = s;
    t.endDetectedAt = s + endMs + rand() * 20;
    t.commitSentAt = t.endDetectedAt;
    t.commitAckAt = t.endDetectedAt + 5;
    if (vadMode === 'local') t.responseRequestedAt = t.commitAckAt + 1;
    t.responseCreatedAt = (t.responseRequestedAt ?? t.endDetectedAt) + 2;
    t.firstDeltaAt = (t.responseRequestedAt ?? t.endDetectedAt) + model;
    t.firstFrameAt = t.firstDeltaAt + 12;
    return t;
  });
}

describe('report', () => {
  const local = turns('webrtc', 'local', 40, 300, 1);
  const server = turns('webrtc', 'server_vad', 40, 500, 2);
  const sip = turns('sip', 'local', 40, 300, 3);
  const failed = { ...turns('sip', 'local', 1, 300, 4)[0]!, status: 'cancelled' as const };

  it('groups by transport/VAD mode and recovers the system-added latency the turns were built with', () => {
    const rep = buildReport([...local, ...server, ...sip, failed]);
    expect(Object.keys(rep.groups)).toEqual(['sip/local', 'webrtc/local', 'webrtc/server_vad']);
    expect(rep.excluded).toEqual({ not_completed: 1 });
    // local: speech end → request ≈ 300 + 10 (jitter) + 6, + 12 pacer; server: ≈ 500 + 10 + 12
    expect(rep.groups['webrtc/local']!.system_added_median_ms!).toBeGreaterThan(318);
    expect(rep.groups['webrtc/local']!.system_added_median_ms!).toBeLessThan(340);
    expect(rep.groups['webrtc/server_vad']!.system_added_median_ms!).toBeGreaterThan(512);
    expect(rep.groups['webrtc/server_vad']!.system_added_median_ms!).toBeLessThan(535);
    expect(rep.groups['webrtc/local']!.filler_share).toBe(0.25);
    expect(rep.groups['webrtc/local']!.filler.n).toBe(10);
    expect(rep.groups['webrtc/local']!.non_filler.model_median_ms!).toBeGreaterThanOrEqual(1000);
  });

  it('pairs carry the same statistics as the statistics module', () => {
    const rep = buildReport([...local, ...server, ...sip]);
    const p = rep.pairs.find((x) => x.a === 'webrtc/local' && x.b === 'webrtc/server_vad')!;
    const direct = compare(
      local.map((t) => t.firstFrameAt! - t.speechEndAt!),
      server.map((t) => t.firstFrameAt! - t.speechEndAt!),
    );
    expect(p.welch_t).toBeCloseTo(direct.welch_t!, 2);
    expect(p.welch_p).toBeCloseTo(direct.welch_p!, 4);
    expect(rep.pairs.map((x) => `${x.a}|${x.b}`)).toContain('*/local|*/server');
    expect(rep.pairs.map((x) => `${x.a}|${x.b}`)).toContain('webrtc/*|sip/*');
  });

  it('npm run report -- --jsonl --json: tables, a chart, and the JSON object on the last line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-report-'));
    const file = join(dir, 'turns.jsonl');
    writeFileSync(file, `${[...local, ...server].map((t) => JSON.stringify(t)).join('\n')}\n`);
    const html = join(dir, 'r.html');
    const out = execFileSync('npx', ['tsx', 'report/main.ts', '--jsonl', file, '--json', '--html', html], { encoding: 'utf8' });
    const last = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(last.groups['webrtc/local'].n).toBe(40);
    expect(last.pairs[0]).toHaveProperty('cohen_d');
    expect(out).toContain('| webrtc/server_vad |');
    expect(readFileSync(html, 'utf8')).toContain('<svg');
    rmSync(dir, { recursive: true, force: true });
  });
});
