import pino from 'pino';

/** What every line of a call carries, whichever module writes it. */
export interface CallFields {
  callId: string;
  room: string;
  transport: string;
  caller?: string;
}

/**
 * One job process serves one call (agents-js forks a process per job), so the call's fields are
 * process-wide: set once when the call starts, added to every line by pino's mixin, including
 * lines of modules that only know the root logger.
 */
let callFields: CallFields | Record<string, never> = {};

/** A logger of the project's shape writing to `dest`: the call's fields on every line. */
export function createLogger(dest: pino.DestinationStream) {
  // a copy per line: pino merges each line's own fields into what the mixin returns
  return pino({ level: 'info', base: { svc: 'parley' }, mixin: () => ({ ...callFields }) }, dest);
}

/**
 * The one logger of the project. Asynchronous (sonic-boom with `sync: false`) so that a log
 * line never blocks the audio path; nothing on that path logs per frame. Level 'info' until a
 * composition root applies the configured one (configureLog).
 */
export const log = createLogger(pino.destination({ dest: 2, sync: false }));

export type Logger = typeof log;

/** Applies the validated configuration's log level (agent/config). */
export function configureLog(opts: { level: string }): void {
  log.level = opts.level;
}

/** From now on every line of this process names the call; `null` when it has ended. */
export function scopeLogToCall(fields: CallFields | null): void {
  callFields = fields ?? {};
}
