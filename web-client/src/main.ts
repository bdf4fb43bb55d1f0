import './style.css';
import type { AgentState, TranscriptMessage } from '../../agent/status-protocol.js';
import { ParleyCall, type CallView } from './call.js';
import { latencyChart, latencyChartSvg } from './latency-chart.js';
import { medianLatency, type TurnView } from './messages.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const callBtn = $<HTMLButtonElement>('call');
const hangupBtn = $<HTMLButtonElement>('hangup');

const AGENT_LABEL: Record<AgentState | 'absent', string> = {
  absent: 'not in the call',
  listening: 'listening',
  user_speaking: 'hearing you (speech)',
  thinking: 'thinking',
  speaking: 'speaking',
};

const turns: TurnView[] = [];

/** Every field the page shows also carries a data attribute, so people and tests read the same thing. */
const view: CallView = {
  connection(state) {
    const el = $('connection');
    el.textContent = state;
    el.dataset.state = state;
    const live = state === 'connected' || state === 'connecting' || state === 'reconnecting' || state === 'requesting';
    callBtn.disabled = live;
    hangupBtn.disabled = !live;
  },
  agentState(state) {
    const el = $('agent-state');
    el.textContent = AGENT_LABEL[state] ?? state;
    el.dataset.state = state;
  },
  thinker(domain) {
    const el = $('thinker');
    el.textContent = domain ? `${domain} is working` : 'none';
    el.dataset.domain = domain;
  },
  transcript(m: TranscriptMessage) {
    const li = document.createElement('li');
    li.className = m.role;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = m.role === 'user' ? 'You' : 'Parley';
    li.append(who, document.createTextNode(m.text)); // text nodes: transcript text is never HTML
    li.dataset.seq = String(m.seq);
    const list = $('transcript');
    // in conversation order: a caller's line transcribed late goes before the answer to it
    const later = [...list.children].find((c) => Number((c as HTMLElement).dataset.seq) > m.seq);
    list.insertBefore(li, later ?? null);
    // outside markers hang in the list's padding, which its overflow clips: widen it a digit at 10, 100, 1000 items
    list.style.setProperty('--marker-digits', String(String(list.children.length).length));
    li.scrollIntoView({ block: 'nearest' });
  },
  turn(t) {
    turns.push(t);
    const tr = document.createElement('tr');
    tr.dataset.turn = String(t.turn);
    tr.dataset.status = t.status;
    if (t.latencyMs !== null) tr.dataset.latencyMs = String(t.latencyMs);
    for (const cell of [String(t.turn), t.bargeIn ? `${t.status} (barge-in)` : t.status, ms(t.latencyMs), ms(t.modelMs)]) {
      const td = document.createElement('td');
      td.textContent = cell;
      tr.append(td);
    }
    $('turns').querySelector('tbody')!.append(tr);
    const m = medianLatency(turns);
    $('median').textContent =
      m === null ? '' : `median latency ${Math.round(m)} ms over ${turns.filter((x) => x.latencyMs !== null).length} answered turns`;
    drawChart();
  },
  agentAudio(bytes, levelDb, peakDb) {
    const el = $('agent-audio');
    el.dataset.bytes = String(bytes);
    el.dataset.peak = peakDb.toFixed(1);
    $<HTMLMeterElement>('level').value = Math.max(-60, levelDb);
    $('audio-text').textContent = `${(bytes / 1024).toFixed(1)} kB received`;
  },
  audioElement(el) {
    el.id = 'agent-player';
    $('agent-audio').append(el);
  },
  error(message) {
    $('error').textContent = message;
  },
};

const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v)} ms`);

/** Redrawn whole on each turn: a few hundred elements at most, and the scales change with every new value anyway. */
function drawChart(): void {
  const el = $('latency-chart');
  const c = latencyChart(turns);
  el.innerHTML = latencyChartSvg(c); // built from numbers and escaped text only (latency-chart.ts)
  el.dataset.turns = String(turns.length);
  el.dataset.points = c.series.map((s) => `${s.key}:${s.points.length}`).join(' ');
  if (c.median) el.dataset.medianMs = String(Math.round(c.median.ms));
  else delete el.dataset.medianMs;
}
drawChart(); // the empty frame, so the pane does not jump when the first turn arrives

let call: ParleyCall | null = null;
callBtn.addEventListener('click', () => {
  view.error('');
  call = new ParleyCall(view);
  call.start().catch((e: Error) => {
    view.error(e.message);
    view.connection('failed');
    void call?.hangUp();
  });
});
hangupBtn.addEventListener('click', () => {
  void call?.hangUp().then(() => view.agentState('absent'));
});
