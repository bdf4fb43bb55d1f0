import { spawn } from 'node:child_process';
import { ROOT } from '../../stack/test-stack.js';

/** Runs a TypeScript entry as its own process (as `npm run …` would), collecting all its output. */
export function runTs(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

/** The JSON object a runner prints as its last line. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever keys a runner printed, and assert on them
export const lastJsonLine = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, any>;
