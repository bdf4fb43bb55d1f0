import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The worker runs the compiled agent (dist/agent, see tsconfig.build.json). This makes sure that
 * build is not older than the sources, so a test or `npm start` right after an edit runs the edit:
 * it compiles when any agent/*.ts (or the tsconfigs) changed since the last build, one build at a
 * time across processes.
 */
export async function ensureWorkerBuild(root: string): Promise<string> {
  const entry = join(root, 'dist', 'agent', 'main.js');
  const stamp = join(root, 'dist', 'agent', '.built');
  const lock = join(root, 'dist', '.build-lock');
  if (builtAfter(stamp, newestSource(root))) return entry;
  mkdirSync(join(root, 'dist'), { recursive: true });
  await acquire(lock);
  try {
    // another process may have built it while we waited
    if (builtAfter(stamp, newestSource(root))) return entry;
    const started = Date.now();
    await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')],
      { cwd: root },
    );
    // the stamp carries the time the build started: an edit during the build makes it stale again
    writeFileSync(stamp, String(started));
    return entry;
  } catch (e) {
    const out = (e as { stdout?: string }).stdout ?? '';
    throw new Error(`building the worker (tsc -p tsconfig.build.json) failed:\n${out.slice(0, 4000)}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function builtAfter(stamp: string, sourceMs: number): boolean {
  try {
    return Number(readFileSync(stamp, 'utf8')) >= sourceMs;
  } catch {
    return false; // never built
  }
}

function newestSource(root: string): number {
  let newest = Math.max(statSync(join(root, 'tsconfig.json')).mtimeMs, statSync(join(root, 'tsconfig.build.json')).mtimeMs);
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'agent'));
  walk(join(root, 'peer')); // the stock agents-js peer of bench:peers is built with it
  return newest;
}

/** A directory as a lock: mkdir is atomic. A lock older than two minutes is a crashed build's. */
async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
