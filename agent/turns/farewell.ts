import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';

/** What a farewell needs of the turn controller. */
export interface FarewellSubject {
  say(req: ResponseRequest): Promise<ResponseOutcome>;
  on(ev: 'agent-speaking', fn: (speaking: boolean) => void): unknown;
  off(ev: 'agent-speaking', fn: (speaking: boolean) => void): unknown;
}

/**
 * Says a last line, then ends the call once it has played out: when the agent stops speaking, or
 * after `maxWaitMs` if no audio comes (a response that fails or never speaks must not keep the
 * line open). When the line cannot even be asked for, the call ends at once.
 */
export async function sayThenHangUp(subject: FarewellSubject, req: ResponseRequest, hangUp: () => void, maxWaitMs = 15_000): Promise<void> {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const end = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    subject.off('agent-speaking', onSpeaking);
    hangUp();
  };
  function onSpeaking(speaking: boolean) {
    if (!speaking) end();
  }
  const out = await subject.say(req);
  if (out.status !== 'created') return hangUp();
  // say() resolves at response.created, before the line's first audio: an answer still playing
  // then is the one this line replaces, and its end is not this line's end
  subject.on('agent-speaking', onSpeaking);
  timer = setTimeout(end, maxWaitMs);
}
