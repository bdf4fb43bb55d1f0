import { posix } from 'node:path';
import ts from 'typescript';

/**
 * The rooms of the tree and which rooms each may import from. Audio flows one way through the
 * product (agent/); the tooling around it is layered so that nothing production depends on a
 * test, a runner or a bot, and analysis (report/) depends on no runner and no bot.
 *
 *   agent ← speech ← openai-standin ← stack ← callers ← bench, scripts ← test
 *   agent ← report ← bench;   agent ← web-client, sip;   agent/prompts.ts ← peer
 */
export const ROOMS = {
  /** the product: the worker and one call */
  agent: [],
  /**
   * the peers Parley is compared with (bench:peers): stock @livekit/agents workers. They may use
   * agent/ for one thing only, the persona's text (agent/prompts.ts), so both agents are asked alike
   * and nothing of Parley is on a peer's call path (boundaries.test.ts holds that narrower rule)
   */
  peer: ['agent'],
  /** the token server and the page */
  'web-client': ['agent'],
  /** LiveKit SIP's trunk and dispatch rule, as code */
  sip: ['agent'],
  /** analysis only: statistics, tables, charts, spectrum */
  report: ['agent'],
  /** espeak-ng speech for the stand-in's voice and the callers' */
  speech: ['agent'],
  /** the local stand-in for OpenAI's Realtime and chat APIs */
  'openai-standin': ['agent', 'speech'],
  /** starting livekit-server, Redis, LiveKit SIP, the worker, Chromium */
  stack: ['agent', 'speech', 'openai-standin', 'sip'],
  /** every bot that calls the agent */
  callers: ['agent', 'speech', 'openai-standin', 'stack', 'report'],
  /** benchmarks and runners (A/B, load, soak, pacer, VAD, guardrail) */
  bench: ['agent', 'speech', 'openai-standin', 'stack', 'callers', 'report', 'sip', 'test/support'],
  /** the project's commands (npm start, npm run call) */
  scripts: ['agent', 'speech', 'openai-standin', 'stack', 'callers', 'web-client', 'sip'],
  /** fixtures shared by tests and benchmarks: labelled audio, fake provider APIs, scripted models, stacks with callers */
  'test/support': ['agent', 'openai-standin', 'speech', 'stack', 'callers'],
  /** integration tests and this check */
  test: ['agent', 'speech', 'openai-standin', 'stack', 'callers', 'bench', 'report', 'sip', 'web-client', 'scripts', 'test/support'],
} as const satisfies Record<string, readonly string[]>;

export type Room = keyof typeof ROOMS;

/** What a unit test beside a module may use besides its room's own imports: the stack and fixtures. */
const TESTS_MAY_ALSO_USE: readonly Room[] = ['stack', 'openai-standin', 'callers', 'speech', 'test/support'];

/** The room a repository path belongs to (the longest matching prefix), or null outside every room. */
export function roomOf(path: string): Room | null {
  let best: Room | null = null;
  for (const room of Object.keys(ROOMS) as Room[]) {
    if ((path === room || path.startsWith(`${room}/`)) && (!best || room.length > best.length)) best = room;
  }
  return best;
}

/** Relative module specifiers a source file imports, re-exports or loads dynamically. */
export function importsOf(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith('.'));
}

export interface Violation {
  file: string;
  imports: string;
  from: Room;
  to: Room;
}

/** Every import in `files` (path → source text) that crosses from a room into one it may not use. */
export function violations(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, source] of files) {
    const from = roomOf(file);
    if (!from) continue;
    const isTest = /\.test\.ts$/.test(file);
    const allowed = new Set<string>([from, ...ROOMS[from], ...(isTest ? TESTS_MAY_ALSO_USE : [])]);
    for (const spec of importsOf(source)) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const to = roomOf(target);
      if (to && !allowed.has(to)) out.push({ file, imports: target, from, to });
    }
  }
  return out;
}
