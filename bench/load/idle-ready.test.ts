import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IDLE_PROCESS_READY } from '../../agent/prewarm.js';
import { DEFAULT_IDLE_PROCESSES } from '../../agent/config/config.js';
import { configuredIdleProcesses, idleProcessesReady, logSize } from './idle-ready.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-idle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const line = (msg: string) => `${JSON.stringify({ level: 30, ms: 300, msg })}\n`;

describe('waiting for prewarmed idle processes', () => {
  it('counts only the lines a new run wrote, and returns once enough have', async () => {
    const file = join(dir, 'worker.log');
    writeFileSync(file, line(IDLE_PROCESS_READY) + line(IDLE_PROCESS_READY)); // an earlier run's
    const from = logSize(file);
    setTimeout(() => appendFileSync(file, line('registered worker') + line(IDLE_PROCESS_READY)), 100);
    setTimeout(() => appendFileSync(file, line(IDLE_PROCESS_READY)), 300);
    const t = Date.now();
    expect(await idleProcessesReady(file, from, 2, 5000)).toBe(2);
    expect(Date.now() - t).toBeGreaterThanOrEqual(250); // not satisfied by the earlier run's lines
  });

  it('gives up after its timeout with what it saw', async () => {
    const file = join(dir, 'missing.log');
    expect(logSize(file)).toBe(0);
    expect(await idleProcessesReady(file, 0, 1, 300)).toBe(0);
  });

  it('counts the idle processes the worker will keep, read as the worker reads them', () => {
    expect(configuredIdleProcesses({})).toBe(DEFAULT_IDLE_PROCESSES);
    expect(configuredIdleProcesses({ PARLEY_IDLE_PROCESSES: '' })).toBe(DEFAULT_IDLE_PROCESSES);
    expect(configuredIdleProcesses({ PARLEY_IDLE_PROCESSES: '3' })).toBe(3);
    expect(() => configuredIdleProcesses({ PARLEY_IDLE_PROCESSES: 'two' })).toThrow(/PARLEY_IDLE_PROCESSES/);
  });
});
