import type { VadMode } from '../../agent/config.js';
import { CallerBot } from '../../test/harness/caller.js';
import { sleep, until } from '../../test/harness/call-fixture.js';
import type { TestStack } from '../../test/harness/stack.js';

export interface LegResult {
  rooms: string[];
  /** What the caller heard over the whole leg, mono PCM16. */
  heard: Int16Array;
  sampleRate: number;
}

/**
 * One WebRTC caller (rtc-node, Opus) in one room: asks each question, then stays silent for
 * `gapMs` while the answer plays, `turns` times. The microphone keeps sending silence in between,
 * as a real one does.
 */
export async function runWebrtcLeg(
  stack: TestStack,
  o: { room: string; mode: VadMode; questions: Int16Array[]; turns: number; gapMs: number },
): Promise<LegResult> {
  await stack.dispatch.createDispatch(o.room, 'parley');
  const bot = await CallerBot.join({ url: stack.url, room: o.room, identity: 'ab-caller', apiKey: stack.apiKey, apiSecret: stack.apiSecret });
  try {
    await until('the agent to join', () => bot.agentIdentity, 30_000);
    await sleep(500);
    const start = Date.now();
    for (let i = 0; i < o.turns; i++) {
      await bot.say(o.questions[i % o.questions.length]!);
      await sleep(o.gapMs);
    }
    return { rooms: [o.room], heard: bot.heardSince(start), sampleRate: bot.listenRate };
  } finally {
    await bot.leave();
    await stack.rooms.deleteRoom(o.room).catch(() => {});
  }
}
