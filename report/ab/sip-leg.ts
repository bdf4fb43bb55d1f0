import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../agent/audio/wav.js';
import { run } from '../../peer/tts.js';
import { placeSipCall } from '../../test/harness/sip-caller.js';
import type { LegResult } from './webrtc-caller.js';
import { concatPcm } from '../../agent/audio/pcm.js';

/**
 * One phone call through LiveKit SIP: sipp plays one μ-law WAV holding every question, each
 * followed by `gapMs` of silence, so the turn timing matches the WebRTC leg. What the caller heard
 * is captured off the wire and decoded.
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
}): Promise<LegResult & { exitCode: number }> {
  const parts: Int16Array[] = [new Int16Array(8 * 500)];
  for (let i = 0; i < o.turns; i++) parts.push(o.questions8k[i % o.questions8k.length]!, new Int16Array(8 * o.gapMs));
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
  return { heard: res.heard, sampleRate: 8000, exitCode: res.exitCode };
}
