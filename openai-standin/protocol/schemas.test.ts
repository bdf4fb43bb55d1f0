import { describe, expect, it } from 'vitest';
import { findRealtimeSchemas } from './schema-path.js';
import { RealtimeSchemas } from './schemas.js';

const path = findRealtimeSchemas();

describe('RealtimeSchemas (OpenAI event schemas)', () => {
  it('are found beside the project', () => {
    expect(path, '../shared/openai-realtime/realtime-schemas.json').not.toBeNull();
  });
  const schemas = path ? RealtimeSchemas.load(path) : null;

  it('know every client and server event type', () => {
    expect(schemas!.clientTypes).toEqual(expect.arrayContaining(['session.update', 'response.create', 'conversation.item.truncate']));
    expect(schemas!.serverTypes).toEqual(expect.arrayContaining(['response.done', 'response.function_call_arguments.delta', 'error']));
  });

  it('flag a server event the API would never send, and pass one it does', () => {
    const response = { id: 'resp_1', object: 'realtime.response', status: 'completed', output: [] };
    expect(schemas!.server({ type: 'response.done', event_id: 'e1', response })).toEqual([]);
    expect(schemas!.server({ type: 'response.done', event_id: 'e1' }).join()).toMatch(/required property 'response'/);
    expect(
      schemas!.server({ type: 'response.done', event_id: 'e1', response: { ...response, status: 'finished' } }).length,
    ).toBeGreaterThan(0);
    expect(schemas!.server({ type: 'response.teleported', event_id: 'e1' })).toEqual(["unknown event type 'response.teleported'"]);
  });

  it('allow the nulls the API itself sends where its schemas say object, and only there', () => {
    const response = { id: 'resp_1', object: 'realtime.response', status: 'completed', output: [], status_details: null };
    expect(schemas!.server({ type: 'response.done', event_id: 'e1', response })).toEqual([]);
    expect(schemas!.server({ type: 'response.done', event_id: 'e1', response: { ...response, output: null } }).length).toBeGreaterThan(0);
  });

  it('word a refusal as the API does', () => {
    expect(schemas!.refusal({ type: 'session.update', session: { type: 'realtime' } })).toBeNull();
    expect(schemas!.refusal({ type: 'session.update', session: { instructions: 'x' } })).toEqual({
      code: 'missing_required_parameter',
      param: 'session.type',
      message: "Missing required parameter: 'session.type'.",
    });
    expect(schemas!.refusal({ type: 'conversation.item.truncate', item_id: 'i', content_index: 0, audio_end_ms: 'ten' })).toMatchObject({
      code: 'invalid_type',
      param: 'audio_end_ms',
    });
    expect(schemas!.refusal({ type: 'input_audio_buffer.flush' })).toMatchObject({ code: 'invalid_value', param: 'type' });
  });
});
