import { EventEmitter } from 'node:events';
import type { llm } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { ResponseActivity } from '../responder/activity.js';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';
import type { GateEvent } from '../vad/types.js';
import { EchoDetector } from '../audio/echo.js';
import { rng } from '../util/rng.js';
import { TurnController, type EchoCheck, type Playback, type Responder } from './controller.js';
import { LoopDelayMonitor } from '../metrics/loop-delay.js';
import type { TurnRecord } from '../metrics/record.js';

/** Records what the controller asks of the Realtime session; the test plays the server. */
class FakeResponder extends EventEmitter {
  readonly activity = new ResponseActivity();
  readonly pushed: number[] = [];
  readonly calls: string[] = [];
  readonly truncates: { messageId: string; ms: number }[] = [];
  fatal: string | null = null;
  nextId = 1;
  async commit() {
    this.calls.push('commit');
    return true;
  }
  async clear() {
    this.calls.push('clear');
  }
  pushAudio(s: Int16Array) {
    this.pushed.push(s.length);
  }
  async requestResponse(req: ResponseRequest): Promise<ResponseOutcome> {
    this.calls.push(`response:${req.reason}`);
    if (req.isStale?.()) return { status: 'stale', waitedMs: 0 };
    const id = `resp_${this.nextId++}`;
    this.activity.onCreated(id);
    this.emit('response-created', id, Date.now());
    return { status: 'created', responseId: id, generation: {} as llm.GenerationCreatedEvent, waitedMs: 0 };
  }
  async cancel(id: string | null) {
    this.calls.push(`cancel:${id}`);
  }
  async truncate(messageId: string, ms: number) {
    this.truncates.push({ messageId, ms });
  }
  createdAt() {
    return Date.now();
  }
  /** The server streams a response's audio and finishes it. */
  answer(id: string, frames = 3) {
    this.emit('first-delta', id, Date.now());
    for (let i = 0; i < frames; i++) this.emit('audio', id, `item_${id}`, new AudioFrame(new Int16Array(480), 24000, 1, 480));
  }
  finish(id: string, status = 'completed', detail: string | null = null) {
    this.emit('audio-end', id);
    this.activity.onDone(id);
    this.emit('response-done', id, status, Date.now(), detail);
  }
}

class FakePlayback extends EventEmitter implements Playback {
  readonly pushed = new Map<string, number>();
  flushes = 0;
  ended: string[] = [];
  played = 0;
  get busy() {
    return [...this.pushed.values()].some((n) => n > 0);
  }
  push(id: string, pcm: Int16Array) {
    if (!this.pushed.has(id)) this.emit('first-frame', id, Date.now());
    this.pushed.set(id, (this.pushed.get(id) ?? 0) + pcm.length);
  }
  end(id: string) {
    this.ended.push(id);
  }
  flush() {
    this.flushes++;
    this.pushed.clear();
  }
  playedMs() {
    return this.played;
  }
  drain(id: string) {
    this.pushed.set(id, 0);
    this.emit('drained', id);
  }
}

function setup(vadMode: 'local' | 'server_vad' = 'local', echo?: EchoCheck) {
  const responder = new FakeResponder();
  const playback = new FakePlayback();
  const records: TurnRecord[] = [];
  const controller = new TurnController({
    responder: responder as unknown as Responder,
    playback,
    recorder: { record: (t) => records.push(t), close: async () => {} },
    loopDelay: new LoopDelayMonitor(),
    vadMode,
    transport: 'webrtc',
    callId: 'call-1',
    room: 'room-1',
    echo,
  });
  const wall = (ms: number) => 1_000_000 + ms;
  const gate = (ev: GateEvent) => controller.onGateEvent(ev, wall);
  const start = (at = 0) => gate({ type: 'speech-start', atMs: at + 100, onsetMs: at, preRoll: new Int16Array(4800) });
  const end = (last: number) => gate({ type: 'speech-end', atMs: last + 300, lastVoicedMs: last });
  return { responder, playback, records, controller, gate, start, end, wall };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('TurnController', () => {
  it('commits at speech end, asks for a response, and records the whole turn', async () => {
    const { responder, playback, records, start, end, gate, wall } = setup();
    start(0);
    gate({ type: 'speech-audio', atMs: 110, samples: new Int16Array(160) });
    expect(responder.pushed).toEqual([4800, 160]); // pre-roll first, then the utterance
    end(900);
    await tick();
    expect(responder.calls).toEqual(['commit', 'response:turn']);
    responder.answer('resp_1');
    responder.finish('resp_1');
    expect(playback.ended).toEqual(['resp_1']);
    expect(records).toHaveLength(0); // not until the tail has played
    playback.drain('resp_1');
    expect(records).toHaveLength(1);
    const t = records[0]!;
    expect(t.status).toBe('completed');
    expect(t.speechEndAt).toBe(wall(900));
    expect(t.responseId).toBe('resp_1');
    for (const k of ['commitSentAt', 'responseCreatedAt', 'firstDeltaAt', 'firstFrameAt', 'responseDoneAt'] as const) {
      expect(t[k], k).not.toBeNull();
    }
    expect(t.transport).toBe('webrtc');
    expect(t.onsetInputLateMs).toBe(0);
  });

  it('records how late the onset was read (a stalled loop), per turn and the worst of the call', async () => {
    const { responder, playback, records, controller, end, wall } = setup();
    for (const [i, lateMs] of [287.4, 12].entries()) {
      const at = i * 5000;
      controller.onGateEvent({ type: 'speech-start', atMs: at + 100, onsetMs: at, preRoll: new Int16Array(4800) }, wall, lateMs);
      end(at + 900);
      await tick();
      responder.answer(`resp_${i + 1}`);
      responder.finish(`resp_${i + 1}`);
      playback.drain(`resp_${i + 1}`);
    }
    expect(records.map((r) => r.onsetInputLateMs)).toEqual([287, 12]);
    expect(controller.onsetInputLateMaxMs).toBe(287);
  });

  it('barge-in: flushes playback, cancels, truncates at the heard position, drops late audio', async () => {
    const { responder, playback, records, start, end } = setup();
    start(0);
    end(900);
    await tick();
    responder.answer('resp_1', 5);
    playback.played = 260;
    start(2000); // the caller talks over the answer
    expect(playback.flushes).toBe(1);
    expect(responder.calls).toContain('cancel:resp_1');
    expect(responder.truncates).toEqual([{ messageId: 'item_resp_1', ms: 260 }]);
    responder.answer('resp_1', 2); // late deltas of the cancelled response
    expect(playback.pushed.get('resp_1') ?? 0).toBe(0);
    responder.finish('resp_1', 'cancelled');
    expect(records.map((r) => [r.turn, r.status, r.bargeIn])).toEqual([[1, 'cancelled', true]]);
  });

  it('barge-in on an answer whose tail still plays while a later response is active finishes that turn at once', async () => {
    const { responder, playback, records, controller, start, end } = setup();
    start(0);
    end(900);
    await tick();
    responder.answer('resp_1', 5);
    responder.finish('resp_1'); // the server is done with it; its tail is still playing
    void controller.say({ reason: 'filler' }); // a later response (a filler, a thinker line) is created
    await tick();
    expect(responder.activity.activeId).toBe('resp_2');
    playback.played = 180;
    start(3000); // the caller talks over the tail
    expect(responder.calls).toContain('cancel:resp_2');
    expect(responder.truncates).toEqual([{ messageId: 'item_resp_1', ms: 180 }]);
    // the interrupted turn is recorded now (and reaches the page now), not at hang-up
    expect(records.map((r) => [r.turn, r.responseId, r.status, r.bargeIn, r.heardMs])).toEqual([[1, 'resp_1', 'cancelled', true, 180]]);
  });

  it("a failed or cut-short answer: the turn is recorded with the API's reason, and the caller hears an apology", async () => {
    const { responder, records, start, end } = setup();
    start(0);
    end(900);
    await tick();
    responder.answer('resp_1', 2);
    responder.finish('resp_1', 'failed', 'server_error');
    expect(records.map((r) => [r.turn, r.status, r.errorCode])).toEqual([[1, 'failed', 'server_error']]);
    await tick();
    expect(responder.calls.filter((c) => c.startsWith('response:'))).toEqual(['response:turn', 'response:apology']);
    // the apology itself fails: no apology for the apology
    responder.finish('resp_2', 'failed', 'server_error');
    await tick();
    expect(responder.calls.filter((c) => c === 'response:apology')).toHaveLength(1);
    // a cut-off answer (max_output_tokens) is a failed turn with its reason, apologised for once
    start(3000);
    end(3900);
    await tick();
    responder.answer('resp_3', 2);
    responder.finish('resp_3', 'incomplete', 'max_output_tokens');
    await tick();
    expect(records.at(-1)).toMatchObject({ turn: 2, status: 'failed', errorCode: 'max_output_tokens' });
    expect(responder.calls.filter((c) => c === 'response:apology')).toHaveLength(2);
  });

  it('a dropped socket cuts off an answer still playing: its turn is finished at once, the caller hears an apology', async () => {
    const { responder, playback, records, start, end } = setup();
    start(0);
    end(900);
    await tick();
    responder.answer('resp_1', 5);
    responder.finish('resp_1'); // generated; its tail still playing
    responder.emit('reconnected', null, false);
    expect(playback.flushes).toBe(1);
    expect(records.map((r) => [r.turn, r.status])).toEqual([[1, 'failed']]);
    await tick();
    expect(responder.calls).toContain('response:apology');
  });

  it('a reconnect while nothing plays, generates or is awaited says nothing: the caller missed nothing', async () => {
    const { responder, playback, records } = setup();
    responder.emit('reconnected', null, false);
    responder.emit('reconnected', null, false);
    await tick();
    expect(playback.flushes).toBe(0);
    expect(records).toEqual([]);
    expect(responder.calls).not.toContain('response:apology');
  });

  it('a planned renewal leaves the answer playing and says nothing', async () => {
    const { responder, playback, records, start, end } = setup();
    start(0);
    end(900);
    await tick();
    responder.answer('resp_1', 5);
    responder.finish('resp_1');
    responder.emit('reconnected', null, true);
    expect(playback.flushes).toBe(0);
    playback.drain('resp_1');
    expect(records.map((r) => [r.turn, r.status])).toEqual([[1, 'completed']]);
    await tick();
    expect(responder.calls).not.toContain('response:apology');
  });

  it('tells how each response ended for the caller, turns and other lines alike', async () => {
    const { responder, playback, controller, start, end } = setup();
    void controller.say({ reason: 'thinker' }); // resp_1: a thinker's answer, no turn of its own
    await tick();
    const first = controller.responseEnded('resp_1');
    responder.answer('resp_1', 3);
    responder.finish('resp_1');
    playback.drain('resp_1');
    expect(await first).toBe('completed');
    expect(await controller.responseEnded('resp_1')).toBe('completed'); // asked after the fact
    // a thinker line the caller talks over, after the server had finished it
    void controller.say({ reason: 'thinker' });
    await tick();
    responder.answer('resp_2', 3);
    responder.finish('resp_2');
    const second = controller.responseEnded('resp_2');
    start(5000);
    expect(await second).toBe('cancelled');
    end(5900);
    await tick();
    responder.finish('resp_3', 'failed', 'server_error');
    expect(await controller.responseEnded('resp_3')).toBe('failed');
    // unknown ones do not hang: the bound, or the end of the call
    const never = controller.responseEnded('resp_never', 10_000);
    controller.close();
    expect(await never).toBe('unknown');
  });

  it('speech before the answer starts cancels it without a truncate (no stale audio)', async () => {
    const { responder, playback, records, start, end } = setup();
    start(0);
    end(900);
    await tick();
    start(1500); // the answer was created, no audio yet
    expect(responder.calls).toContain('cancel:resp_1');
    expect(responder.truncates).toEqual([]);
    responder.answer('resp_1', 3); // arrives anyway
    expect(playback.pushed.get('resp_1') ?? 0).toBe(0);
    responder.finish('resp_1', 'cancelled');
    expect(records[0]!.status).toBe('cancelled');
  });

  it('onset while the agent is silent is not a barge-in', () => {
    const { responder, playback, start } = setup();
    start(0);
    expect(playback.flushes).toBe(0);
    expect(responder.calls.filter((c) => c.startsWith('cancel'))).toEqual([]);
  });

  it('server-VAD mode: streams all audio, the gate only timestamps speech end', async () => {
    const { responder, controller, records, start, end, playback, wall } = setup('server_vad');
    start(0);
    expect(responder.pushed).toEqual([]); // the gate does not forward in this mode
    controller.onRawAudio(new Int16Array(160));
    expect(responder.pushed).toEqual([160]);
    end(700);
    await tick();
    expect(responder.calls).toEqual([]); // the server commits and responds by itself
    responder.activity.onCreated('resp_srv');
    responder.emit('response-created', 'resp_srv', Date.now());
    responder.answer('resp_srv');
    responder.finish('resp_srv');
    playback.drain('resp_srv');
    expect(records[0]!.responseId).toBe('resp_srv');
    expect(records[0]!.speechEndAt).toBe(wall(700));
    expect(records[0]!.vadMode).toBe('server_vad');
  });

  it('server-VAD mode: a pause our gate ends but the server bridges stays one turn, and answers stay paired', async () => {
    const { responder, records, start, end, playback, wall } = setup('server_vad');
    const serverAnswers = (id: string) => {
      responder.activity.onCreated(id);
      responder.emit('response-created', id, Date.now());
      responder.answer(id);
      responder.finish(id);
      playback.drain(id);
    };
    // "…about octopuses" — 320 ms pause — "-ses": two local segments, one server turn
    start(0);
    end(1900);
    await tick();
    start(2220);
    end(2550);
    await tick();
    responder.emit('server-speech-stopped', wall(3050));
    serverAnswers('resp_a');
    // the next question is its own turn and gets its own answer
    start(8000);
    end(10_000);
    await tick();
    responder.emit('server-speech-stopped', wall(10_500));
    serverAnswers('resp_b');
    expect(records.map((r) => [r.turn, r.responseId, r.status])).toEqual([
      [1, 'resp_a', 'completed'],
      [2, 'resp_b', 'completed'],
    ]);
    expect(records[0]!.speechStartAt).toBe(wall(0));
    expect(records[0]!.speechEndAt).toBe(wall(2550)); // the true end of the whole utterance
    expect(records[0]!.endDetectedAt).toBe(wall(3050));
  });

  it('server-VAD mode: a response the server creates before our gate ends the utterance still belongs to it', async () => {
    const { responder, records, start, end, playback, wall } = setup('server_vad');
    start(0);
    responder.emit('server-speech-stopped', wall(1400));
    responder.activity.onCreated('resp_early');
    responder.emit('response-created', 'resp_early', Date.now());
    end(1000);
    await tick();
    responder.answer('resp_early');
    responder.finish('resp_early');
    playback.drain('resp_early');
    expect(records.map((r) => [r.turn, r.responseId, r.status])).toEqual([[1, 'resp_early', 'completed']]);
  });

  describe('the agent hearing its own voice', () => {
    /** Speech-like noise: a loudness that changes every 100 ms, the same pattern for the same seed. */
    const syllables = (rate: number, ms: number, seed: number) => {
      const level = rng(seed);
      const noise = rng(seed + 1000);
      const out = new Int16Array((rate * ms) / 1000);
      const per = rate / 10;
      for (let i = 0; i < out.length; i += per) {
        const amp = level() < 0.3 ? 0 : 500 + level() * 6000;
        for (let j = i; j < Math.min(out.length, i + per); j++) out[j] = Math.round((noise() - 0.5) * 2 * amp);
      }
      return out;
    };
    /** The agent says 3 s (seed 1) from wall(0); a turn of 3 s (`seed`) is heard from stream ms 5000. */
    function hear(seed: number, withDetector = true) {
      const echo = new EchoDetector();
      const s = setup('local', withDetector ? echo : undefined);
      const speaking: [boolean, boolean][] = [];
      s.controller.on('user-speaking', (on, wasEcho) => speaking.push([on, wasEcho]));
      const said = syllables(24_000, 3_000, 1);
      for (let i = 0; i < said.length; i += 480) echo.output(said.subarray(i, i + 480), s.wall(i / 24));
      const heard = syllables(16_000, 3_000, seed);
      s.gate({ type: 'speech-start', atMs: 5_100, onsetMs: 5_000, preRoll: new Int16Array(4_800) });
      for (let i = 0; i < heard.length; i += 256) {
        s.gate({ type: 'speech-audio', atMs: 5_100 + (i + 256) / 16, samples: heard.subarray(i, i + 256) });
      }
      const endAt = 5_100 + heard.length / 16;
      s.gate({ type: 'speech-audio', atMs: endAt + 300, samples: new Int16Array(4_800) });
      s.gate({ type: 'speech-end', atMs: endAt + 300, lastVoicedMs: endAt });
      return { ...s, speaking };
    }

    it('its own output coming back is cleared from the input and not answered', async () => {
      const { responder, records, controller, speaking } = hear(1);
      // the utterance that ended is said to be an echo: the idle timer must not take it for the caller
      expect(speaking).toEqual([
        [true, false],
        [false, true],
      ]);
      await tick();
      await tick();
      expect(responder.calls).toEqual(['clear']);
      expect(records.map((r) => [r.turn, r.status])).toEqual([[1, 'echo']]);
      expect(records[0]!.echo?.lagMs).toBeCloseTo(5_100, -2); // the heard audio starts after its 100 ms pre-roll
      expect(records[0]!.echo?.score).toBeGreaterThan(0.9);
      expect(controller.completedTurns).toBe(0);
    });

    it('a caller saying something else is answered as usual', async () => {
      const { responder, records, playback, speaking } = hear(7);
      expect(speaking.at(-1)).toEqual([false, false]);
      await tick();
      expect(responder.calls).toEqual(['commit', 'response:turn']);
      responder.answer('resp_1');
      responder.finish('resp_1');
      playback.drain('resp_1');
      expect(records.map((r) => r.status)).toEqual(['completed']);
    });

    it('without the detector the echo is answered: the agent would talk to itself', async () => {
      const { responder } = hear(1, false);
      await tick();
      expect(responder.calls).toEqual(['commit', 'response:turn']);
    });
  });
});
