import { quantileSorted } from 'simple-statistics';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A self-contained HTML page (inline SVG, no scripts, no network) with one box plot per group of
 * perceived latency, every turn drawn as a dot, and the 1 s / 1.5 s / 2.5 s / 3 s lines.
 */
export function latencyChartHtml(groups: Map<string, number[]>, title = 'Perceived latency per transport / VAD mode'): string {
  const W = 900;
  const rowH = 70;
  const left = 170;
  const right = 30;
  const H = 60 + rowH * Math.max(1, groups.size);
  const maxV = Math.max(3200, ...[...groups.values()].flat());
  const x = (v: number) => left + ((W - left - right) * v) / maxV;
  const parts: string[] = [];
  for (const t of [1000, 1500, 2500, 3000]) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="30" y2="${H - 20}" stroke="#c33" stroke-dasharray="4 4" opacity="0.5"/><text x="${x(t)}" y="22" font-size="11" text-anchor="middle" fill="#c33">${t / 1000} s</text>`,
    );
  }
  let row = 0;
  for (const [g, vals] of groups) {
    const y = 50 + row * rowH;
    const s = [...vals].sort((a, b) => a - b);
    const q = (p: number) => quantileSorted(s, p);
    const [q1, med, q3] = [q(0.25), q(0.5), q(0.75)];
    parts.push(`<text x="10" y="${y + 5}" font-size="13">${esc(g)} (n=${s.length})</text>`);
    parts.push(`<line x1="${x(s[0]!)}" x2="${x(s.at(-1)!)}" y1="${y}" y2="${y}" stroke="#555"/>`);
    parts.push(`<rect x="${x(q1)}" y="${y - 14}" width="${Math.max(1, x(q3) - x(q1))}" height="28" fill="#9cf" stroke="#246"/>`);
    parts.push(`<line x1="${x(med)}" x2="${x(med)}" y1="${y - 14}" y2="${y + 14}" stroke="#024" stroke-width="3"/>`);
    parts.push(`<text x="${x(med)}" y="${y + 30}" font-size="11" text-anchor="middle">${Math.round(med)} ms</text>`);
    for (const [i, v] of s.entries()) parts.push(`<circle cx="${x(v)}" cy="${y - 20 - (i % 3) * 3}" r="2" fill="#246" opacity="0.6"/>`);
    row++;
  }
  return `<!doctype html><meta charset="utf-8"><title>${esc(title)}</title>
<body style="font-family:system-ui,sans-serif;margin:24px"><h2>${esc(title)}</h2>
<p>From the caller's speech end (local VAD) to the first frame of the answer. Box: quartiles; bar: median; dots: turns.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg></body>`;
}
