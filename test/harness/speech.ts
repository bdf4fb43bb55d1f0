import { spawn } from 'node:child_process';

/**
 * Real speech for test callers: espeak-ng speaks the text, sox converts it to mono PCM16 at `rate`.
 * Deterministic for a given text and voice, so tests are repeatable without shipping audio files.
 */
export async function speak(text: string, rate = 48_000, voice = 'en-us'): Promise<Int16Array> {
  const wav = await run('espeak-ng', ['-v', voice, '-s', '165', '--stdout', text]);
  const raw = await run('sox', ['-t', 'wav', '-', '-t', 'raw', '-r', String(rate), '-e', 'signed', '-b', '16', '-c', '1', '-'], wav);
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength >> 1).slice();
}

function run(cmd: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message} (installed by npm run setup)`)));
    p.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exited ${code}: ${Buffer.concat(err).toString()}`)),
    );
    p.stdin.end(input);
  });
}

/** Speech as a G.711 μ-law WAV at 8 kHz (what a phone caller sends), followed by `silenceMs` of silence. */
export async function speakPhoneWav(text: string, path: string, silenceMs = 0, voice = 'en-us'): Promise<void> {
  const wav = await run('espeak-ng', ['-v', voice, '-s', '165', '--stdout', text]);
  const pad = silenceMs > 0 ? ['pad', '0', `${silenceMs / 1000}`] : [];
  await run('sox', ['-t', 'wav', '-', '-r', '8000', '-c', '1', '-e', 'u-law', path, ...pad], wav);
}
