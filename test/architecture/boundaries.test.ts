import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, roomOf, violations } from './boundaries.js';

const ROOT = new URL('../../', import.meta.url);

/** Every TypeScript file git knows of (tracked, or new and not ignored), with its text. */
function tree(): Map<string, string> {
  const list = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const files = new Map<string, string>();
  for (const f of list.split('\n').filter(Boolean)) {
    try {
      files.set(f, readFileSync(new URL(f, ROOT), 'utf8'));
    } catch {
      // deleted in the work tree, not yet in the index
    }
  }
  return files;
}

describe('import boundaries of the tree', () => {
  it('hold: production code imports no tooling, report/ no runner or bot', () => {
    const found = violations(tree()).map((v) => `${v.file} (${v.from}) imports ${v.imports} (${v.to})`);
    expect(found).toEqual([]);
  });

  it('peer/ takes nothing of agent/ but the persona (agent/prompts.ts): no Parley code on a peer’s call path', () => {
    const taken = [...tree()]
      .filter(([f]) => roomOf(f) === 'peer')
      .flatMap(([f, src]) => importsOf(src).map((s) => posix.normalize(posix.join(posix.dirname(f), s))))
      .filter((t) => roomOf(t) === 'agent' && t !== 'agent/prompts.js');
    expect(taken).toEqual([]);
  });

  it('every source file of the tree is in a room', () => {
    const outside = [...tree().keys()].filter((f) => !roomOf(f) && !/^[^/]+\.config\.ts$/.test(f));
    expect(outside).toEqual([]);
  });
});

describe('the boundary check itself', () => {
  it('reads static, type-only, re-exported and dynamic imports', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "const d = await import('./d.js');",
      "import pino from 'pino';",
    ].join('\n');
    expect(importsOf(src)).toEqual(['./a.js', '../b.js', './c.js', './d.js']);
  });

  it('finds a production file importing a test fixture, a bot or a runner', () => {
    const files = new Map([
      ['agent/vad/gate.ts', "import { labelledFiles } from '../../test/support/vad-labels.js';"],
      ['agent/job.ts', "import { CallerBot } from '../callers/webrtc.js';\nimport { x } from './ok.js';"],
      ['agent/pacer/pacer.ts', "import { run } from '../../bench/pacer/pacer-bench.js';"],
    ]);
    expect(violations(files).map((v) => [v.file, v.to])).toEqual([
      ['agent/vad/gate.ts', 'test/support'],
      ['agent/job.ts', 'callers'],
      ['agent/pacer/pacer.ts', 'bench'],
    ]);
  });

  it('finds report/ importing a runner or a bot, and allows it the agent', () => {
    const files = new Map([
      ['report/metrics.ts', "import { x } from '../bench/load/main.js';\nimport type { TurnRecord } from '../agent/metrics/record.js';"],
      ['report/load/figures.ts', "import { CallerBot } from '../../callers/webrtc.js';"],
    ]);
    expect(violations(files).map((v) => [v.file, v.imports])).toEqual([
      ['report/metrics.ts', 'bench/load/main.js'],
      ['report/load/figures.ts', 'callers/webrtc.js'],
    ]);
  });

  it('lets a unit test beside a module use the stack and fixtures, but not a runner', () => {
    const files = new Map([
      [
        'agent/context/store.test.ts',
        "import { startRedis } from '../../stack/redis.js';\nimport { x } from '../../test/support/fake-apis.js';",
      ],
      ['agent/vad/gate.test.ts', "import { y } from '../../bench/vad/vad-bench.js';"],
    ]);
    expect(violations(files).map((v) => v.file)).toEqual(['agent/vad/gate.test.ts']);
  });
});
