import { log } from '../log.js';
import { PROMPTS } from '../prompts.js';
import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';
import type { FarewellSubject } from '../turns/farewell.js';
import { sayThenHangUp } from '../turns/farewell.js';

export const TRANSFER_TOOL_NAME = 'transfer_to_human';

export const TRANSFER_TOOL_DESCRIPTION =
  'Hand the call to a person. Use it when the caller asks for a human, an agent, an operator or a representative, ' +
  'or presses the key that asks for a person. The call leaves you once connected.';

export const TRANSFER_TOOL_PARAMETERS = {
  type: 'object',
  properties: { reason: { type: 'string', description: 'Why the caller wants a person, in a few words.' } },
  required: [],
  additionalProperties: false,
} as const;

/** What a transfer needs of the call. */
export interface TransferHost extends FarewellSubject {
  say(req: ResponseRequest): Promise<ResponseOutcome>;
  submitToolOutput(callId: string, output: string): void;
  /** The line's own transfer (LiveKit SIP REFER, Twilio's call update with <Dial>). */
  transfer(target: string): Promise<void>;
}

export type TransferOutcome = 'transferred' | 'no-one' | 'failed' | 'busy';

/**
 * Answers transfer_to_human. With a target: the tool's output says a person is coming, the agent
 * says so, and once that line has played the line transfers the caller (after which the call
 * ends). Without one, or if the line's transfer fails: the agent says no one is available and the
 * call goes on. One transfer at a time: a second call while one is under way is told so.
 */
export class TransferDesk {
  #underWay = false;

  constructor(
    private readonly host: TransferHost,
    private readonly target: string | null,
    private readonly onDone: (outcome: TransferOutcome, target: string | null, ms: number) => void = () => {},
  ) {}

  async handle(toolCallId: string, args: string): Promise<TransferOutcome> {
    const startedAt = Date.now();
    const done = (o: TransferOutcome) => {
      this.onDone(o, this.target, Date.now() - startedAt);
      return o;
    };
    if (this.#underWay) {
      this.host.submitToolOutput(toolCallId, JSON.stringify({ status: 'error', error: 'a transfer is already under way' }));
      return done('busy');
    }
    log.info({ reason: reasonOf(args), target: this.target }, 'the caller asked for a person');
    if (!this.target) {
      this.host.submitToolOutput(toolCallId, JSON.stringify({ status: 'unavailable', message: 'no person is available' }));
      await this.host.say({ reason: 'transfer', instructions: PROMPTS.noOneToTransferTo });
      return done('no-one');
    }
    this.#underWay = true;
    this.host.submitToolOutput(toolCallId, JSON.stringify({ status: 'transferring' }));
    const target = this.target;
    const transferred = await new Promise<boolean>((resolve) => {
      void sayThenHangUp(this.host, { reason: 'transfer', instructions: PROMPTS.transferring }, () => {
        this.host.transfer(target).then(
          () => resolve(true),
          (e: Error) => {
            log.error({ err: e.message, target }, 'the transfer failed');
            resolve(false);
          },
        );
      });
    });
    this.#underWay = false;
    if (transferred) return done('transferred');
    await this.host.say({ reason: 'apology', instructions: PROMPTS.transferFailed });
    return done('failed');
  }
}

function reasonOf(args: string): string | undefined {
  try {
    const r = (JSON.parse(args) as { reason?: unknown }).reason;
    return typeof r === 'string' ? r.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
