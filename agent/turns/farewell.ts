import type { ResponseOutcome, ResponseRequest } from '../responder/response-lock.js';

/**
 * `hangUp` once: the first call clears the bound and stops listening; later calls do nothing.
 * Returns that function and a setter for the bound's timer.
 */
function onceThen(hangUp: () => void, stopListening: () => void): { end: () => void; bound: (ms: number) => void } {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const end = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    stopListening();
    hangUp();
  };
  const bound = (ms: number) => {
    timer = setTimeout(end, ms);
  };
  return { end, bound };
}

/** What playing a recorded line needs of the pacer. */
export interface ClipPlayback {
  push(responseId: string, pcm: Int16Array): void;
  end(responseId: string): void;
  on(ev: 'drained', fn: (responseId: string) => void): unknown;
  off(ev: 'drained', fn: (responseId: string) => void): unknown;
}

/**
 * Plays a recorded line (when the model cannot speak any more) and ends the call once it has
 * played out, or after `maxWaitMs` whatever happens.
 */
export function playThenHangUp(playback: ClipPlayback, pcm: Int16Array, hangUp: () => void, maxWaitMs = 15_000): void {
  const id = `clip_${Date.now()}`;
  const { end, bound } = onceThen(hangUp, () => playback.off('drained', onDrained));
  const onDrained = (rid: string) => rid === id && end();
  bound(maxWaitMs);
  playback.on('drained', onDrained);
  playback.push(id, pcm);
  playback.end(id);
}

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
  const { end, bound } = onceThen(hangUp, () => subject.off('agent-speaking', onSpeaking));
  function onSpeaking(speaking: boolean) {
    if (!speaking) end();
  }
  const out = await subject.say(req);
  if (out.status !== 'created') return hangUp();
  // say() resolves at response.created, before the line's first audio: an answer still playing
  // then is the one this line replaces, and its end is not this line's end
  subject.on('agent-speaking', onSpeaking);
  bound(maxWaitMs);
}
