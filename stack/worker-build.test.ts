import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './test-stack.js';
import { ensureWorkerBuild } from './worker-build.js';

/**
 * The worker and its jobs run the compiled agent (dist/agent). What differs from the sources the
 * unit tests import: paths resolved from the file's location (the VAD model) and the guardrail's
 * thread entry (plain .js, no tsx). Both are checked in a plain `node` process, as a job runs.
 */
describe('compiled worker (dist/agent)', () => {
  it('is built from the current sources and finds the model and its guardrail thread without tsx', async () => {
    const entry = await ensureWorkerBuild(ROOT);
    expect(entry).toBe(join(ROOT, 'dist', 'agent', 'main.js'));
    expect(existsSync(entry)).toBe(true);
    expect(Number(readFileSync(join(ROOT, 'dist', 'agent', '.built'), 'utf8'))).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'parley-dist-'));
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      `const { resolveModelPath, PROJECT_ROOT } = await import(${JSON.stringify(join(ROOT, 'dist/agent/vad/model-path.js'))});
const { PiiRedactor } = await import(${JSON.stringify(join(ROOT, 'dist/agent/guardrail/redactor.js'))});
const r = new PiiRedactor();
const out = await r.redact('write to jane.doe@example.com');
await r.close();
console.log(JSON.stringify({ root: PROJECT_ROOT, model: resolveModelPath(), text: out.text, fallbacks: r.fallbacks }));
`,
    );
    try {
      // a plain node process: no tsx loader, as the worker's job processes run
      const run = spawnSync(process.execPath, [probe], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      expect(run.status, run.stderr).toBe(0);
      const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
      expect(r.root).toBe(ROOT);
      expect(r.model).toBe(join(ROOT, 'models', 'ten-vad.onnx'));
      expect(r.text).toBe('write to [EMAIL]');
      expect(r.fallbacks).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
