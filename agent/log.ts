import pino from 'pino';

/**
 * The one logger of the project. Asynchronous (sonic-boom with `sync: false`) so that a log
 * line never blocks the audio path; nothing on that path logs per frame.
 */
export const log = pino(
  { level: process.env.LOG_LEVEL ?? 'info', base: { svc: 'parley' } },
  pino.destination({ dest: 2, sync: false }),
);

export type Logger = typeof log;
