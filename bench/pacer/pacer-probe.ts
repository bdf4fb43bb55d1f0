/**
 * Probe of rtc-node's AudioSource without a room: does the native queue drain in real time, when
 * does captureFrame resolve, and what happens to a second capture issued while one is pending?
 * Run: npx tsx bench/pacer/pacer-probe.ts
 */
import { AudioFrame, AudioSource } from '@livekit/rtc-node';

const RATE = 24_000;
const SPF = 480;
const now = () => performance.now();

async function sequential(queueMs: number, frames: number): Promise<void> {
  const src = new AudioSource(RATE, 1, queueMs);
  const t0 = now();
  const done: number[] = [];
  for (let i = 0; i < frames; i++) {
    await src.captureFrame(new AudioFrame(new Int16Array(SPF), RATE, 1, SPF));
    done.push(now() - t0);
  }
  const gaps = done.slice(1).map((d, i) => d - done[i]!);
  console.log(
    `queue ${queueMs} ms, ${frames} sequential frames: first resolutions`,
    done
      .slice(0, 8)
      .map((d) => d.toFixed(1))
      .join(' '),
    `| total ${(now() - t0).toFixed(1)} ms (real time of audio ${frames * 20}) | gap min/max ${Math.min(...gaps.slice(8)).toFixed(2)}/${Math.max(...gaps.slice(8)).toFixed(2)}`,
  );
  await src.close();
}

async function concurrent(queueMs: number): Promise<void> {
  const src = new AudioSource(RATE, 1, queueMs);
  const res = await Promise.allSettled(
    Array.from({ length: 10 }, () => src.captureFrame(new AudioFrame(new Int16Array(SPF), RATE, 1, SPF))),
  );
  console.log(
    `queue ${queueMs} ms, 10 concurrent captures:`,
    res.map((r) => (r.status === 'fulfilled' ? 'ok' : `ERR(${String((r as PromiseRejectedResult).reason?.message)})`)).join(' '),
  );
  await src.close();
}

async function clearWhilePending(): Promise<void> {
  const src = new AudioSource(RATE, 1, 60);
  for (let i = 0; i < 3; i++) await src.captureFrame(new AudioFrame(new Int16Array(SPF), RATE, 1, SPF));
  const t = now();
  const p = src.captureFrame(new AudioFrame(new Int16Array(SPF), RATE, 1, SPF)).then(() => now() - t);
  await new Promise((r) => setTimeout(r, 2));
  src.clearQueue();
  console.log('pending capture after clearQueue resolved in', (await p).toFixed(1), 'ms');
  const t2 = now();
  await src.captureFrame(new AudioFrame(new Int16Array(SPF), RATE, 1, SPF));
  console.log('capture after clear resolved in', (now() - t2).toFixed(2), 'ms; queuedDuration', src.queuedDuration);
  await src.close();
}

await sequential(60, 200);
await sequential(40, 200);
await sequential(1000, 100);
await concurrent(60);
await clearWhilePending();
process.exit(0);
