import { describe, expect, it } from 'vitest';
import type { PiiRedactor } from '../guardrail/redactor.js';
import { ConversationLog } from './conversation-log.js';

/** Redaction that takes its time, longest for the first line: arrival and finish orders differ. */
const slowRedactor = (delays: number[]) => {
  let n = 0;
  return {
    redact: (text: string) => new Promise((r) => setTimeout(() => r({ text, found: [] }), delays[n++] ?? 0)),
  } as unknown as PiiRedactor;
};

describe('ConversationLog', () => {
  it('keeps lines in conversation order: a caller transcript that arrives after the answer goes before it', async () => {
    const log = new ConversationLog(slowRedactor([30, 0, 0, 10]));
    log.add('agent', 'Hello, how can I help?', 0);
    log.add('agent', 'It is sunny in Paris.', 2); // the answer, before its question's transcript
    log.add('caller', 'What is the weather in Paris?', 1);
    log.add('caller', 'Thanks.', 3);
    expect(await log.recent()).toEqual([
      'agent: Hello, how can I help?',
      'caller: What is the weather in Paris?',
      'agent: It is sunny in Paris.',
      'caller: Thanks.',
    ]);
  });

  it('keeps the newest lines of the conversation, not the latest to arrive', async () => {
    const log = new ConversationLog(slowRedactor([]), 3);
    for (let seq = 1; seq <= 4; seq++) log.add('agent', `line ${seq}`, seq);
    // transcribed so late that it is older than everything kept: it is not let in
    log.add('caller', 'an old question', 0);
    expect(await log.recent()).toEqual(['agent: line 2', 'agent: line 3', 'agent: line 4']);
    // late, but still inside the window: placed where it belongs, the oldest dropped
    log.add('caller', 'a later question', 3);
    expect(await log.recent()).toEqual(['agent: line 3', 'caller: a later question', 'agent: line 4']);
  });

  it('the rolling summary quotes the caller in conversation order', async () => {
    const log = new ConversationLog(slowRedactor([]));
    log.add('caller', 'second', 3);
    log.add('caller', 'first', 1);
    expect(await log.rollSummary('', new Date('2026-12-01T12:00:00Z'))).toBe('2026-12-01: talked; said "first / second".');
  });
});
