import { spawn } from 'node:child_process';

/** Output rate of the Realtime API: PCM16 mono at 24 kHz. */
export const PEER_SAMPLE_RATE = 24_000;

/**
 * Real speech for the stand-in's answers: espeak-ng speaks, sox converts to 24 kHz PCM16. Cached per
 * text (answers repeat across turns), and run as child processes so the event loop never waits.
 */
export class Speech {
  readonly #cache = new Map<string, Promise<Int16Array>>();

  constructor(private readonly voice = 'en-us') {}

  say(text: string): Promise<Int16Array> {
    let p = this.#cache.get(text);
    if (!p) {
      p = synthesize(text, this.voice);
      p.catch(() => this.#cache.delete(text));
      this.#cache.set(text, p);
    }
    return p;
  }
}

function synthesize(text: string, voice: string): Promise<Int16Array> {
  return speakPcm(text, PEER_SAMPLE_RATE, { voice, wordsPerMinute: 175 });
}

/** espeak-ng speaks `text`; sox turns it into mono PCM16 at `rate`. */
export async function speakPcm(text: string, rate: number, o: { voice?: string; wordsPerMinute?: number } = {}): Promise<Int16Array> {
  const wav = await run('espeak-ng', ['-v', o.voice ?? 'en-us', '-s', String(o.wordsPerMinute ?? 165), '--stdout', text]);
  const raw = await run('sox', ['-t', 'wav', '-', '-t', 'raw', '-r', String(rate), '-e', 'signed', '-b', '16', '-c', '1', '-'], wav);
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength >> 1).slice();
}

/** Runs a command with `input` on stdin and resolves with its stdout (rejects with its stderr). */
export function run(cmd: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message} (installed by npm run setup)`)));
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
    p.stdin.end(input);
  });
}
