import type { TurnRecord } from '../agent/metrics/record.js';
import { figuresOf, type Exclusion, type TurnFigures } from './metrics.js';
import { compare, shareBelow, summarise, type Comparison } from './stats.js';

export interface GroupFigures {
  n: number;
  perceived_median_ms: number | null;
  perceived_mean_ms: number | null;
  perceived_p90_ms: number | null;
  system_added_median_ms: number | null;
  system_added_mean_ms: number | null;
  commit_median_ms: number | null;
  model_median_ms: number | null;
  model_mean_ms: number | null;
  filler_share: number | null;
  under_1s: number | null;
  under_1_5s: number | null;
  under_2_5s: number | null;
  under_3s: number | null;
}

export interface Report {
  filler_threshold_ms: number;
  turns: number;
  groups: Record<string, GroupFigures & { filler: GroupFigures; non_filler: GroupFigures }>;
  pairs: Array<{ a: string; b: string } & Comparison>;
  excluded: Partial<Record<Exclusion, number>>;
}

const r1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

function figuresFor(ts: TurnFigures[], fillerMs: number): GroupFigures {
  const perceived = ts.map((t) => t.perceived);
  const p = summarise(perceived);
  const sys = summarise(ts.map((t) => t.systemAdded));
  const model = summarise(ts.map((t) => t.model));
  return {
    n: ts.length,
    perceived_median_ms: r1(p.median),
    perceived_mean_ms: r1(p.mean),
    perceived_p90_ms: r1(p.p90),
    system_added_median_ms: r1(sys.median),
    system_added_mean_ms: r1(sys.mean),
    commit_median_ms: r1(summarise(ts.flatMap((t) => (t.commit === null ? [] : [t.commit]))).median),
    model_median_ms: r1(model.median),
    model_mean_ms: r1(model.mean),
    filler_share: r3(
      shareBelow(
        ts.map((t) => t.model),
        fillerMs,
      ),
    ),
    under_1s: r3(shareBelow(perceived, 1000)),
    under_1_5s: r3(shareBelow(perceived, 1500)),
    under_2_5s: r3(shareBelow(perceived, 2500)),
    under_3s: r3(shareBelow(perceived, 3000)),
  };
}

/**
 * The comparison tables: per transport/VAD-mode group, filler turns (model latency under the
 * threshold) apart from the rest, and Welch's t / Cohen's d on perceived latency between every two
 * groups, plus local vs server VAD and WebRTC vs SIP overall.
 */
export function buildReport(records: TurnRecord[], fillerMs = 1000): Report {
  const excluded: Report['excluded'] = {};
  const all: TurnFigures[] = [];
  for (const r of records) {
    const f = figuresOf(r);
    if ('excluded' in f) excluded[f.excluded] = (excluded[f.excluded] ?? 0) + 1;
    else all.push(f);
  }
  const byGroup = new Map<string, TurnFigures[]>();
  for (const f of all) byGroup.set(f.group, [...(byGroup.get(f.group) ?? []), f]);
  const names = [...byGroup.keys()].sort();
  const groups: Report['groups'] = {};
  for (const g of names) {
    const ts = byGroup.get(g)!;
    groups[g] = {
      ...figuresFor(ts, fillerMs),
      filler: figuresFor(
        ts.filter((t) => t.model < fillerMs),
        fillerMs,
      ),
      non_filler: figuresFor(
        ts.filter((t) => t.model >= fillerMs),
        fillerMs,
      ),
    };
  }
  const perceived = (pred: (t: TurnFigures) => boolean) => all.filter(pred).map((t) => t.perceived);
  const pairs: Report['pairs'] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      pairs.push({
        a: names[i]!,
        b: names[j]!,
        ...rounded(
          compare(
            perceived((t) => t.group === names[i]),
            perceived((t) => t.group === names[j]),
          ),
        ),
      });
    }
  }
  const local = perceived((t) => t.vadMode === 'local');
  const server = perceived((t) => t.vadMode !== 'local');
  if (local.length && server.length && names.length > 2) pairs.push({ a: '*/local', b: '*/server', ...rounded(compare(local, server)) });
  // every pair of transports, over both VAD modes (WebRTC, SIP, Twilio's WebSocket)
  const order = ['webrtc', 'sip', 'twilio_ws'];
  const transports = [...new Set(all.map((t) => t.transport))].sort((x, y) => order.indexOf(x) - order.indexOf(y));
  for (let i = 0; i < transports.length; i++) {
    for (let j = i + 1; j < transports.length; j++) {
      const [ta, tb] = [transports[i]!, transports[j]!];
      const xa = perceived((t) => t.transport === ta);
      const xb = perceived((t) => t.transport === tb);
      if (xa.length && xb.length && names.length > 2) pairs.push({ a: `${ta}/*`, b: `${tb}/*`, ...rounded(compare(xa, xb)) });
    }
  }
  return { filler_threshold_ms: fillerMs, turns: records.length, groups, pairs, excluded };
}

function rounded(c: Comparison): Comparison {
  const r = (x: number | null, k = 4) => (x === null ? null : Number(x.toPrecision(k)));
  return { welch_t: r(c.welch_t), welch_df: r(c.welch_df), welch_p: r(c.welch_p), cohen_d: r(c.cohen_d) };
}

/** The report as tables for people. */
export function formatReport(rep: Report): string {
  const out: string[] = [];
  const f = (x: number | null, unit = '') => (x === null ? '–' : `${x}${unit}`);
  const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
  out.push(`Turn latency by transport / VAD mode (${rep.turns} records; filler = model latency < ${rep.filler_threshold_ms} ms)`, '');
  out.push(
    '| group | n | perceived median | mean | p90 | system-added median | commit median | model median | filler share | <1 s | <1.5 s | <2.5 s | <3 s |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [g, x] of Object.entries(rep.groups)) {
    for (const [label, y] of [
      [g, x],
      [`  ${g} filler`, x.filler],
      [`  ${g} non-filler`, x.non_filler],
    ] as const) {
      if (label !== g && y.n === 0) continue;
      out.push(
        `| ${label} | ${y.n} | ${f(y.perceived_median_ms)} | ${f(y.perceived_mean_ms)} | ${f(y.perceived_p90_ms)} | ${f(y.system_added_median_ms)} | ${f(y.commit_median_ms)} | ${f(y.model_median_ms)} | ${pct(y.filler_share)} | ${pct(y.under_1s)} | ${pct(y.under_1_5s)} | ${pct(y.under_2_5s)} | ${pct(y.under_3s)} |`,
      );
    }
  }
  if (rep.pairs.length) {
    out.push(
      '',
      "Perceived latency, pairwise: Welch's t-test (two-tailed) and Cohen's d",
      '',
      '| a | b | t | df | p | d |',
      '|---|---|---|---|---|---|',
    );
    for (const p of rep.pairs) out.push(`| ${p.a} | ${p.b} | ${f(p.welch_t)} | ${f(p.welch_df)} | ${f(p.welch_p)} | ${f(p.cohen_d)} |`);
  }
  const ex = Object.entries(rep.excluded);
  if (ex.length) out.push('', `Excluded: ${ex.map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`).join(', ')}`);
  return out.join('\n');
}
