import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A long-running child process of the stack, with its output in out/logs/<name>.log. */
export interface Service {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

export const LOG_DIR = join(process.cwd(), 'out', 'logs');

/** Where a service's output goes (appended to, run after run). */
export function serviceLogFile(name: string): string {
  return join(LOG_DIR, `${name}.log`);
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Called with each chunk of output; return true once the service is ready. */
  readyWhen?: (text: string) => boolean;
  /** Polled until it resolves true (used when readiness is not visible in the output). */
  probe?: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Start the child in its own process group, so stop() reaches its children too. */
  group?: boolean;
}

export async function startService(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Promise<Service> {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = serviceLogFile(name);
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.group ?? false,
  });
  if (child.pid === undefined) {
    throw new Error(`${name}: could not start ${cmd} (is it installed? run: npm run setup)`);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let seen = '';
  let ready = !opts.readyWhen && !opts.probe;
  let onReady: () => void = () => {};
  const readyP = new Promise<void>((r) => (onReady = r));
  const onData = (buf: Buffer) => {
    out.write(buf);
    if (!ready && opts.readyWhen) {
      // keep a bounded tail: readiness markers are short
      seen = (seen + buf.toString()).slice(-8192);
      if (opts.readyWhen(seen)) {
        ready = true;
        onReady();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const pid = child.pid;
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (opts.group) process.kill(-pid, sig);
        else child.kill(sig);
      } catch {
        /* already gone */
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    if (opts.group) signal('SIGKILL'); // stragglers of the group, if any
    out.end();
  };

  const timeoutMs = opts.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const probeLoop = async () => {
    while (!ready && Date.now() < deadline) {
      if (opts.probe && (await opts.probe().catch(() => false))) {
        ready = true;
        onReady();
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  if (opts.probe) void probeLoop();
  if (!ready) {
    const failed = exited.then((code) => {
      throw new Error(`${name} exited with code ${code} before it was ready; see ${logFile}`);
    });
    let t: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`${name} not ready after ${timeoutMs} ms; see ${logFile}`)), timeoutMs);
    });
    try {
      await Promise.race([readyP, failed, timedOut]);
    } catch (e) {
      await stop(1000);
      throw e;
    } finally {
      clearTimeout(t);
      failed.catch(() => {});
    }
  }
  return { name, pid, child, logFile, stop, exited };
}
