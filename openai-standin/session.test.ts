import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, until } from '../callers/wait.js';
import { rawRealtimeClient, type ReceivedEvent } from '../test/support/realtime-client.js';
import { type RealtimeStandin, startRealtimeStandin } from './server.js';

/**
 * The stand-in's session as a bare client meets it: strict where the API is strict (what it
 * refuses, and with which error), untidy where the API is untidy (late transcripts, an audio count
 * short of what it sent). Every event it sends is checked against OpenAI's schemas as well.
 */
let standin: RealtimeStandin;
const SPEECH = Buffer.from(new Int16Array(24_000 / 2).fill(3000).buffer).toString('base64'); // 500 ms at 24 kHz

beforeAll(async () => {
  standin = await startRealtimeStandin({
    script: {
      modelLatencyMs: 30,
      delivery: { speed: 50, minChunkMs: 40, maxChunkMs: 80 },
      userTranscript: (n) => `what the caller said number ${n}`,
    },
  });
  expect(standin.validating, 'OpenAI schemas not found beside the project (../shared/openai-realtime)').toBe(true);
});
afterAll(async () => standin?.close());

const client = () => rawRealtimeClient(standin.url);
const manual = { type: 'realtime', audio: { input: { turn_detection: null } } };
const withTranscription = { type: 'realtime', audio: { input: { turn_detection: null, transcription: { model: 'gpt-4o-transcribe' } } } };
const types = (got: ReceivedEvent[]) => got.map((e) => e.type);
const errorOf = (got: ReceivedEvent[], eventId: string) =>
  got.find((e) => e.type === 'error' && (e.error as { event_id?: string }).event_id === eventId)?.error as
    | Record<string, unknown>
    | undefined;

describe('the stand-in session, strict like the API', () => {
  it('a model it does not serve: the session opens, and every response fails with model_not_found and no output', async () => {
    const c = await rawRealtimeClient(standin.url, 'gpt-realtme');
    c.send({ type: 'response.create' });
    const done = await until('the response', () => c.got.find((e) => e.type === 'response.done'));
    expect(types(c.got)).toEqual(['session.created', 'response.created', 'response.done']);
    expect(done.response).toMatchObject({
      status: 'failed',
      output: [],
      status_details: { type: 'failed', error: { type: 'invalid_request_error', code: 'model_not_found' } },
    });
    c.ws.close();
  });

  it('refuses an unknown voice and beta-shape session fields, and applies neither', async () => {
    const c = await client();
    c.send({ type: 'session.update', event_id: 'evt_voice', session: { type: 'realtime', audio: { output: { voice: 'nova' } } } });
    c.send({
      type: 'session.update',
      event_id: 'evt_beta',
      session: { type: 'realtime', modalities: ['audio'], input_audio_format: 'pcm16' },
    });
    await until('both refusals', () => errorOf(c.got, 'evt_voice') && errorOf(c.got, 'evt_beta'));
    expect(errorOf(c.got, 'evt_voice')).toMatchObject({ code: 'invalid_value', param: 'session.audio.output.voice' });
    expect(errorOf(c.got, 'evt_beta')).toMatchObject({ code: 'unknown_parameter' });
    expect(types(c.got)).not.toContain('session.updated');
    c.ws.close();
  });

  it('places an item after previous_item_id or first (root), and refuses an id that is not there', async () => {
    const c = await client();
    const msg = (id: string) => ({ id, type: 'message', role: 'user', content: [{ type: 'input_text', text: id }] });
    c.send({ type: 'conversation.item.create', item: msg('item_a') });
    c.send({ type: 'conversation.item.create', item: msg('item_b'), previous_item_id: 'root' });
    c.send({ type: 'conversation.item.create', item: msg('item_c'), previous_item_id: 'item_b' });
    c.send({ type: 'conversation.item.create', event_id: 'evt_ghost', item: msg('item_d'), previous_item_id: 'item_ghost' });
    await until('the refusal', () => errorOf(c.got, 'evt_ghost'));
    const added = c.got.filter((e) => e.type === 'conversation.item.added').map((e) => [(e.item as { id: string }).id, e.previous_item_id]);
    expect(added).toEqual([
      ['item_a', null],
      ['item_b', null],
      ['item_c', 'item_b'],
    ]);
    expect(errorOf(c.got, 'evt_ghost')).toMatchObject({ code: 'invalid_value', param: 'previous_item_id' });
    c.ws.close();
  });

  it('truncates only assistant audio', async () => {
    const c = await client();
    c.send({ type: 'session.update', session: manual });
    c.send({ type: 'input_audio_buffer.append', audio: SPEECH });
    c.send({ type: 'input_audio_buffer.commit' });
    const committed = await until('the commit', () => c.got.find((e) => e.type === 'input_audio_buffer.committed'));
    c.send({ type: 'conversation.item.truncate', event_id: 'evt_user', item_id: committed.item_id, content_index: 0, audio_end_ms: 100 });
    await until('the refusal', () => errorOf(c.got, 'evt_user'));
    expect(errorOf(c.got, 'evt_user')).toMatchObject({ code: 'invalid_value', param: 'item_id' });
    expect(types(c.got)).not.toContain('conversation.item.truncated');
    c.ws.close();
  });
});

describe('the stand-in session, untidy like the API', () => {
  it('transcribes the caller only when asked to', async () => {
    const c = await client();
    c.send({ type: 'session.update', session: manual });
    c.send({ type: 'input_audio_buffer.append', audio: SPEECH });
    c.send({ type: 'input_audio_buffer.commit' });
    await until('the commit', () => c.got.find((e) => e.type === 'input_audio_buffer.committed'));
    await sleep(300);
    expect(types(c.got).filter((t) => t.includes('transcription'))).toEqual([]);
    c.ws.close();
  });

  it('transcribes late: deltas then completed, after the answer to it; or fails', async () => {
    standin.setScript({
      modelLatencyMs: 30,
      delivery: { speed: 50, minChunkMs: 40, maxChunkMs: 80 },
      userTranscript: (n) => `what the caller said number ${n}`,
      transcription: { delayMs: 600, deltas: 3, failures: { 1: { code: 'audio_unintelligible' } } },
    });
    const c = await client();
    c.send({ type: 'session.update', session: withTranscription });
    c.send({ type: 'input_audio_buffer.append', audio: SPEECH });
    c.send({ type: 'input_audio_buffer.commit' });
    c.send({ type: 'response.create' });
    const done = await until('the answer', () => c.got.find((e) => e.type === 'response.done'));
    const completed = await until('the transcript', () =>
      c.got.find((e) => e.type === 'conversation.item.input_audio_transcription.completed'),
    );
    const item = c.got.find((e) => e.type === 'input_audio_buffer.committed')!.item_id;
    // after the answer was done, three deltas that add up to the transcript, then the transcript
    expect(c.got.indexOf(completed)).toBeGreaterThan(c.got.indexOf(done));
    const deltas = c.got.filter((e) => e.type === 'conversation.item.input_audio_transcription.delta');
    expect(deltas).toHaveLength(3);
    expect(deltas.every((d) => d.item_id === item)).toBe(true);
    expect(deltas.map((d) => d.delta).join('')).toBe('what the caller said number 0');
    expect(completed).toMatchObject({ item_id: item, transcript: 'what the caller said number 0', usage: { type: 'duration' } });
    // the second commit's transcription fails
    c.send({ type: 'input_audio_buffer.append', audio: SPEECH });
    c.send({ type: 'input_audio_buffer.commit' });
    const failed = await until('the failure', () => c.got.find((e) => e.type === 'conversation.item.input_audio_transcription.failed'));
    expect(failed.error).toMatchObject({ code: 'audio_unintelligible' });
    expect(c.got.filter((e) => e.type === 'conversation.item.input_audio_transcription.completed')).toHaveLength(1);
    c.ws.close();
  });

  it('counts less audio than it sent (the shortfall): a truncate at the very end is refused, inside it accepted', async () => {
    standin.setScript({ modelLatencyMs: 30, delivery: { speed: 50, minChunkMs: 40, maxChunkMs: 80 }, audioCountShortfallMs: 85 });
    const c = await client();
    c.send({ type: 'session.update', session: manual });
    c.send({ type: 'response.create' });
    await until('the answer', () => c.got.find((e) => e.type === 'response.done'));
    const deltas = c.got.filter((e) => e.type === 'response.output_audio.delta');
    const sentMs = deltas.reduce((ms, d) => ms + Buffer.from(String(d.delta), 'base64').length / 2 / 24, 0);
    const item = String(deltas[0]!.item_id);
    const end = Math.floor(sentMs) - 20;
    c.send({ type: 'conversation.item.truncate', event_id: 'evt_end', item_id: item, content_index: 0, audio_end_ms: end });
    c.send({ type: 'conversation.item.truncate', event_id: 'evt_inside', item_id: item, content_index: 0, audio_end_ms: end - 100 });
    await until('the answers', () => errorOf(c.got, 'evt_end') && c.got.some((e) => e.type === 'conversation.item.truncated'));
    expect(String(errorOf(c.got, 'evt_end')!.message)).toBe(
      `Audio content of ${Math.floor(sentMs - 85)}ms is already shorter than ${end}ms`,
    );
    expect(c.got.find((e) => e.type === 'conversation.item.truncated')).toMatchObject({ item_id: item, audio_end_ms: end - 100 });
    c.ws.close();
  });

  it("answers a caller's text line: a person asked for, with transfer_to_human declared, is that tool call; other keys are acknowledged", async () => {
    const c = await client();
    const transfer = {
      type: 'function',
      name: 'transfer_to_human',
      description: 'hand the call to a person',
      parameters: { type: 'object', properties: {} },
    };
    c.send({ type: 'session.update', session: { ...manual, tools: [transfer] } });
    const line = (id: string, text: string) => ({
      type: 'conversation.item.create',
      item: { id, type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    });
    c.send(line('msg_keys_1', '[The caller pressed the keys: 4 2]'));
    c.send({ type: 'response.create' });
    const first = await until('the first response', () => c.got.find((e) => e.type === 'response.done'));
    expect(JSON.stringify(first)).toContain('You entered The caller pressed the keys: 4 2');
    c.send(line('msg_keys_2', '[The caller pressed the keys: 0] (0 asks for a person)'));
    c.send({ type: 'response.create' });
    const second = await until('the second response', () => c.got.filter((e) => e.type === 'response.done')[1]);
    expect((second.response as { output: unknown[] }).output).toEqual([
      expect.objectContaining({ type: 'function_call', name: 'transfer_to_human' }),
    ]);
    c.ws.close();
  });

  it('stalls where scripted: the delta at 300 ms of audio comes 150 ms after it was due, the rest at speed', async () => {
    standin.setScript({
      modelLatencyMs: 30,
      delivery: { speed: 50, minChunkMs: 40, maxChunkMs: 80 },
      lateAudio: { 0: [{ atAudioMs: 300, lateMs: 150 }] },
    });
    const c = await client();
    const deltas: { at: number; offsetMs: number }[] = [];
    let sentMs = 0;
    c.ws.on('message', (m) => {
      const e = JSON.parse(m.toString()) as ReceivedEvent;
      if (e.type !== 'response.output_audio.delta') return;
      deltas.push({ at: performance.now(), offsetMs: sentMs });
      sentMs += Buffer.from(e.delta as string, 'base64').length / 2 / 24;
    });
    c.send({ type: 'session.update', session: manual });
    c.send({ type: 'response.create' });
    await until('the answer', () => c.got.find((e) => e.type === 'response.done'), 10_000);
    const stalled = deltas.findIndex((d) => d.offsetMs >= 300);
    // a delta begins exactly where the stall was asked for
    expect(deltas[stalled]!.offsetMs).toBeCloseTo(300, 6);
    const due = deltas[0]!.at + 300;
    expect(deltas[stalled]!.at - due).toBeGreaterThanOrEqual(145);
    expect(deltas[stalled]!.at - due).toBeLessThan(250);
    // before it and after it, 50 × real time: 80 ms of audio takes under 2 ms, a timer's few ms aside
    expect(deltas[stalled - 1]!.at - deltas[0]!.at).toBeLessThan(60);
    const rest = deltas.slice(stalled);
    expect(rest.at(-1)!.at - rest[0]!.at).toBeLessThan(((sentMs - 300) / 50) * 2 + 80);
    c.ws.close();
  });

  it('stalls every response a function names, from its index and instructions', async () => {
    const asked: [number, string | undefined][] = [];
    standin.setScript({
      modelLatencyMs: 10,
      delivery: { speed: 50, minChunkMs: 40, maxChunkMs: 80 },
      lateAudio: (n, instructions) => {
        asked.push([n, instructions]);
        return instructions ? undefined : [{ atAudioMs: 200, lateMs: 120 }];
      },
    });
    const c = await client();
    const arrivals: number[][] = [[]];
    c.ws.on('message', (m) => {
      const e = JSON.parse(m.toString()) as ReceivedEvent;
      if (e.type === 'response.output_audio.delta') arrivals.at(-1)!.push(performance.now());
      if (e.type === 'response.done') arrivals.push([]);
    });
    c.send({ type: 'session.update', session: manual });
    for (const instructions of ['Greet the caller.', undefined, undefined]) {
      const done = c.got.filter((e) => e.type === 'response.done').length;
      c.send({ type: 'response.create', ...(instructions ? { response: { instructions } } : {}) });
      await until('the answer', () => c.got.filter((e) => e.type === 'response.done')[done], 10_000);
    }
    expect(asked).toEqual([
      [0, 'Greet the caller.'],
      [1, undefined],
      [2, undefined],
    ]);
    // the longest wait between two deltas of each response: the 120 ms stall, or none (at 50 ×
    // real time a whole answer takes under 100 ms)
    const longestWait = (ts: number[]) => Math.max(...ts.slice(1).map((t, i) => t - ts[i]!));
    const [greeting, first, second] = arrivals;
    expect(longestWait(greeting!)).toBeLessThan(60);
    expect(longestWait(first!)).toBeGreaterThanOrEqual(100);
    expect(longestWait(second!)).toBeGreaterThanOrEqual(100);
    c.ws.close();
  });

  it('sent nothing outside OpenAI schema in any of these sessions', () => {
    expect(standin.schemaFailures().filter((f) => f.direction === 'server')).toEqual([]);
  });
});
