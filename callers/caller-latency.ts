import { firstSoundAfter, type HeardChunk } from './webrtc.js';

/** A caller's speech is loud; the agent's answer is found by this RMS (int16 units) at the caller's ear. */
export const ANSWER_RMS = 500;

/** One question as the caller lived it, on its own clock (epoch ms). */
export interface CallerTurn {
  /** Where the question's speech really ended (its last sample above −60 dBFS left the caller). */
  speechEndAt: number;
  /** First sound of the answer at the caller's ear; null if none came before the next question ended. */
  answerAt: number | null;
}

/**
 * Pairs each question's speech end with the first answer sound heard after it. An answer heard
 * only after the next question's speech ended belongs to no turn of its own.
 */
export function callerTurns(speechEnds: readonly number[], heard: readonly HeardChunk[], rms = ANSWER_RMS): CallerTurn[] {
  return speechEnds.map((speechEndAt, i) => {
    const answerAt = firstSoundAfter(heard, speechEndAt, rms);
    const next = speechEnds[i + 1] ?? Infinity;
    return { speechEndAt, answerAt: answerAt !== null && answerAt < next ? answerAt : null };
  });
}

/** Where a caller's wait goes: before the agent's VAD saw the speech end, and after its answer left. */
export interface WaitSplit {
  /** Caller's speech end → the speech end the agent's VAD reported (wall clock): transport in, plus VAD error. */
  inbound: number;
  /** Agent's first answer frame handed to the room → first answer sound at the caller's ear: transport out. */
  outbound: number;
}

/**
 * Splits each answered caller turn at the agent's turn record: the record whose VAD speech end
 * follows the caller's speech end soonest, within `windowMs` (all clocks are this machine's).
 * Turns with no such record, or none with an answer frame, are left out.
 */
export function splitWaits(
  turns: readonly CallerTurn[],
  records: readonly { speechEndAt: number | null; firstFrameAt: number | null }[],
  windowMs = 1500,
): WaitSplit[] {
  const out: WaitSplit[] = [];
  for (const t of turns) {
    if (t.answerAt === null) continue;
    let best: { speechEndAt: number; firstFrameAt: number } | null = null;
    for (const r of records) {
      if (r.speechEndAt === null || r.firstFrameAt === null) continue;
      const d = r.speechEndAt - t.speechEndAt;
      // the VAD may place the end a little before the caller's −60 dBFS mark (a soft last syllable)
      if (d < -200 || d > windowMs) continue;
      if (best === null || Math.abs(d) < Math.abs(best.speechEndAt - t.speechEndAt))
        best = { speechEndAt: r.speechEndAt, firstFrameAt: r.firstFrameAt };
    }
    if (best) out.push({ inbound: best.speechEndAt - t.speechEndAt, outbound: t.answerAt - best.firstFrameAt });
  }
  return out;
}

/** How long a caller's speech onset took to reach the agent, and how late the agent read it. */
export interface OnsetInbound {
  /** Index of the onset in the caller's list. */
  onset: number;
  /** Caller's first sound → the onset the agent's VAD dated (wall clock): transport in, plus VAD error. */
  inboundMs: number;
  /** The agent's own figure for the same turn: how far its reading of that hop was behind the audio's pace. */
  readLateMs: number | null;
}

/**
 * Pairs each caller speech onset with the agent's turn record whose VAD onset follows it first,
 * before the caller's next onset (up to `earlyMs` either side; all clocks are this machine's). The agent dates an onset from
 * the hop's place in the stream, not from when it acted on it, so `inboundMs` is how late the
 * caller's sound itself arrived — which a stream that fell behind its own pace and then caught up
 * (the agent's `readLateMs`) need not match. Onsets with no such record are left out.
 */
export function onsetInbound(
  onsets: readonly number[],
  records: readonly { speechStartAt: number | null; onsetInputLateMs?: number }[],
  earlyMs = 200,
): OnsetInbound[] {
  const starts = records
    .flatMap((r) => (r.speechStartAt === null ? [] : [{ at: r.speechStartAt, late: r.onsetInputLateMs ?? null }]))
    .sort((x, y) => x.at - y.at);
  const sorted = onsets.map((at, onset) => ({ at, onset })).sort((x, y) => x.at - y.at);
  const out: OnsetInbound[] = [];
  sorted.forEach(({ at, onset }, k) => {
    const next = sorted[k + 1]?.at ?? Infinity;
    // the VAD may date an onset a little before the caller's clip onset mark (a soft first sound),
    // so a record up to earlyMs before the next onset is that one's
    const r = starts.find((s) => s.at >= at - earlyMs && s.at < next - earlyMs);
    if (r) out.push({ onset, inboundMs: r.at - at, readLateMs: r.late });
  });
  return out;
}
