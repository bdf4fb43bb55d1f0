import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, wavDataOffset } from '../agent/audio/wav.js';
import { run } from '../speech/espeak.js';
import { placeSipCall } from './sip.js';
import type { LegResult } from './webrtc-leg.js';
import { callerTurns, type CallerTurn } from './caller-latency.js';
import { trailingSilenceMs } from '../speech/clips.js';
import { concatPcm } from '../agent/audio/pcm.js';

/**
 * One phone call through LiveKit SIP: sipp plays one μ-law WAV holding every question, each
 * followed by `gapMs` of silence, so the turn timing matches the WebRTC leg. What the caller heard
 * is captured off the wire and decoded; so are the times its own packets were sent, which date
 * each question's speech end on the caller's side.
 */
export async function runSipLeg(o: {
  target: string;
  from: string;
  number: string;
  questions8k: Int16Array[];
  turns: number;
  gapMs: number;
  /** Port for this call's RTP, so consecutive calls never share a capture. */
  mediaPort: number;
  /** Silence before the first question (default 500 ms; longer lets a greeting play first). */
  leadInMs?: number;
}): Promise<LegResult & { exitCode: number; turns: CallerTurn[] }> {
  const parts: Int16Array[] = [new Int16Array(8 * (o.leadInMs ?? 500))];
  /** Sample offset in the played file where each question's speech ends. */
  const speechEnds: number[] = [];
  let at = parts[0]!.length;
  for (let i = 0; i < o.turns; i++) {
    const q = o.questions8k[i % o.questions8k.length]!;
    parts.push(q, new Int16Array(8 * o.gapMs));
    speechEnds.push(at + q.length - Math.round(trailingSilenceMs(q, 8000) * 8));
    at += q.length + 8 * o.gapMs;
  }
  const pcm = concatPcm(parts);
  const dir = mkdtempSync(join(tmpdir(), 'parley-ab-'));
  const pcmPath = join(dir, 'questions-pcm.wav');
  const path = join(dir, 'questions.wav');
  writeFileSync(pcmPath, encodeWav(pcm, 8000));
  await run('sox', [pcmPath, '-e', 'u-law', path]); // PCMU, what sipp's rtp_stream plays
  const durationMs = (pcm.length / 8000) * 1000;
  const res = await placeSipCall({
    target: o.target,
    from: o.from,
    number: o.number,
    utterance: path,
    holdMs: durationMs + 1000,
    mediaPort: o.mediaPort,
    maxCallMs: durationMs + 60_000,
  });
  // sipp streams the file's bytes from its very first (the WAV header included, as a few ms of noise
  // in the lead-in silence), 160 bytes (20 ms of μ-law) per packet: the question's last speech
  // sample left the caller with the packet that carries its byte
  const header = wavDataOffset(readFileSync(path));
  rmSync(dir, { recursive: true, force: true });
  const sentAt = (sample: number) => res.sentTimes[Math.floor((header + sample) / 160)];
  const ended = speechEnds.map(sentAt).filter((t): t is number => t !== undefined);
  return { heard: res.heard, sampleRate: 8000, exitCode: res.exitCode, turns: callerTurns(ended, res.heardPackets) };
}
