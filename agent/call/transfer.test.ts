import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PROMPTS } from '../prompts.js';
import type { ResponseRequest } from '../responder/response-lock.js';
import { TransferDesk, type TransferHost } from './transfer.js';

/** A call whose lines "play" 10 ms after they are created, and whose transfer does what it is told. */
function fakeCall(transfer: (target: string) => Promise<void>) {
  const ev = new EventEmitter();
  const said: ResponseRequest[] = [];
  const outputs: unknown[] = [];
  const transfers: string[] = [];
  const host: TransferHost = {
    say: async (req) => {
      said.push(req);
      setTimeout(() => {
        ev.emit('agent-speaking', true);
        setTimeout(() => ev.emit('agent-speaking', false), 10);
      }, 1);
      return { status: 'created', responseId: `r${said.length}`, generation: {} as never, waitedMs: 0 };
    },
    on: (e, fn) => ev.on(e, fn),
    off: (e, fn) => ev.off(e, fn),
    submitToolOutput: (_id, out) => outputs.push(JSON.parse(out)),
    transfer: async (t) => {
      transfers.push(t);
      return transfer(t);
    },
  };
  return { host, said, outputs, transfers, ev };
}

describe('TransferDesk', () => {
  it('with a target: says it is connecting, then transfers once the line has played', async () => {
    const c = fakeCall(async () => {});
    let speakingWhenTransferred: boolean | null = null;
    let speaking = false;
    c.ev.on('agent-speaking', (s: boolean) => {
      speaking = s;
    });
    const transfer = async (t: string) => {
      speakingWhenTransferred = speaking;
      await c.host.transfer(t);
    };
    const desk = new TransferDesk({ ...c.host, transfer }, '+15550100');
    expect(await desk.handle('call_1', '{"reason":"wants a person"}')).toBe('transferred');
    expect(c.outputs).toEqual([{ status: 'transferring' }]);
    expect(c.said.map((r) => r.instructions)).toEqual([PROMPTS.transferring]);
    expect(c.transfers).toEqual(['+15550100']);
    expect(speakingWhenTransferred).toBe(false);
  });

  it('without a target: no one is available, nothing is transferred', async () => {
    const c = fakeCall(async () => {});
    expect(await new TransferDesk(c.host, null).handle('call_1', '{}')).toBe('no-one');
    expect(c.outputs).toEqual([{ status: 'unavailable', message: 'no person is available' }]);
    expect(c.said.map((r) => r.instructions)).toEqual([PROMPTS.noOneToTransferTo]);
    expect(c.transfers).toEqual([]);
  });

  it('a transfer the line refuses is apologised for, and the call goes on', async () => {
    const c = fakeCall(async () => {
      throw new Error('REFER rejected: 603 Decline');
    });
    const outcomes: string[] = [];
    expect(await new TransferDesk(c.host, 'sip:desk@pbx', (o) => outcomes.push(o)).handle('call_1', 'not json')).toBe('failed');
    expect(c.said.map((r) => r.instructions)).toEqual([PROMPTS.transferring, PROMPTS.transferFailed]);
    expect(outcomes).toEqual(['failed']);
  });

  it('a second request while one is under way is refused', async () => {
    const c = fakeCall(() => new Promise((r) => setTimeout(r, 50)));
    const desk = new TransferDesk(c.host, '+15550100');
    const first = desk.handle('call_1', '{}');
    await new Promise((r) => setTimeout(r, 5));
    expect(await desk.handle('call_2', '{}')).toBe('busy');
    expect(await first).toBe('transferred');
    expect(c.outputs).toEqual([{ status: 'transferring' }, { status: 'error', error: 'a transfer is already under way' }]);
  });
});
