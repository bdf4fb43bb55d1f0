import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, scopeLogToCall } from './log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger(dest), lines };
}

afterEach(() => scopeLogToCall(null));

describe('call-scoped logs', () => {
  it('every line carries the call once it is scoped, children and later lines included', () => {
    const { logger, lines } = capture();
    const early = logger.child({ module: 'pacer' }); // made before the call, as module loggers are
    logger.info('before the call');
    scopeLogToCall({ callId: 'AJ_1', room: 'r1', transport: 'sip', caller: '+15550100' });
    logger.warn({ err: 'x' }, 'truncate failed');
    early.info('from a module');
    logger.info('plain');
    scopeLogToCall(null);
    logger.info('after the call');
    expect(lines.map((l) => [l.msg, l.callId ?? null, l.transport ?? null])).toEqual([
      ['before the call', null, null],
      ['truncate failed', 'AJ_1', 'sip'],
      ['from a module', 'AJ_1', 'sip'],
      ['plain', 'AJ_1', 'sip'],
      ['after the call', null, null],
    ]);
    expect(lines[2]).toMatchObject({ module: 'pacer', room: 'r1', caller: '+15550100', svc: 'parley' });
    // one line's own fields never leak into the next
    expect(lines[2]!.err).toBeUndefined();
    expect(lines[3]!.err).toBeUndefined();
    expect(lines[3]!.module).toBeUndefined();
  });
});
