/**
 * Every line the agent is asked to say on its own initiative, in one place: the persona, the idle
 * check-in and goodbye, apologies, and the thinkers' acknowledgements and answers. Each is an
 * instruction for one Realtime response (the model words it in the call's voice and language),
 * so they say how long to be and forbid tool calls where a tool call would loop.
 */

/** The Responder's base instructions (PARLEY_INSTRUCTIONS replaces them). */
export const DEFAULT_INSTRUCTIONS =
  'You are Parley, a friendly voice assistant on a call. Answer in one or two short spoken sentences. ' + 'Never read out lists or markup.';

export const PROMPTS = {
  /** The call has just been answered: the agent speaks first (PARLEY_GREETING_SIP / _WEBRTC). */
  greeting: (text: string) => `The call has just been answered. Greet the caller with exactly these words: "${text}" Do not call any tool.`,
  /** The caller has been silent for PARLEY_IDLE_NUDGE_MS. */
  idleNudge: 'The caller has been quiet for a while. In a few words, check whether they are still there.',
  /** The caller has been silent for PARLEY_IDLE_GOODBYE_MS: the call ends once this has played. */
  idleGoodbye: 'Say a short, friendly goodbye.',
  /** The Realtime socket dropped and came back: whatever was being said is lost. */
  lineDropped: 'The line dropped for a moment. Apologise in one short sentence and ask the caller to repeat.',
  /** The model failed or was cut off while answering the caller: the answer is lost, or half of it. */
  answerFailed:
    'Your last answer did not reach the caller, or only part of it did, because of a technical problem. ' +
    'Apologise in one short sentence and ask them to say it again. Do not call any tool.',
  /** The caller's audio stopped reaching the agent for good: the call ends once this has played. */
  cannotHear:
    'You can no longer hear the caller because of a technical problem. Apologise in one short sentence, ' +
    'ask them to call again, and say goodbye. Do not call any tool.',
  /** A thinker took the question: a short acknowledgement while it works. */
  checking: (domain: string) =>
    `In a few words, tell the caller you are checking that (${domain}) and will be right back. Do not call any tool.`,
  /** The thinker is still at it, and the line is quiet. */
  stillWorking: (domain: string) =>
    `In a few words, tell the caller you are still working on their ${domain} question. Do not call any tool.`,
  thinkerAnswer: (domain: string, query: string, answer: string) =>
    `The ${domain} specialist answered the caller's question ("${query}"). Its answer: ${answer}\n` +
    'Tell the caller this now, in one or two short spoken sentences. Do not call any tool.',
  thinkerFailed: (domain: string, why: string) =>
    `You could not get the ${domain} answer: ${why}. Apologise in one short sentence and offer to try again later. Do not call any tool.`,
  /**
   * The caller pressed keys: what the conversation gets, as the caller's line. `personKey` says
   * which key asks for a person, so the model can call transfer_to_human for it.
   */
  keysPressed: (keys: string, personKey: string | null) =>
    `[The caller pressed the keys: ${[...keys].join(' ')}]` +
    (personKey && keys.includes(personKey) ? ` (${personKey} asks for a person)` : ''),
  /** transfer_to_human with someone to hand the caller to: the last line before the transfer. */
  transferring: 'In one short sentence, tell the caller you are connecting them to a person now. Do not call any tool.',
  /** transfer_to_human with no one configured. */
  noOneToTransferTo:
    'No person is available to take this call. Tell the caller so in one short sentence and offer to keep helping. Do not call any tool.',
  /** The transfer failed after the agent said it would connect them. */
  transferFailed:
    'Connecting the caller to a person failed. Apologise in one short sentence and offer to keep helping. Do not call any tool.',
} as const;

/** Why a thinker failed, as the apology puts it to the caller (thinkerFailed's `why`). */
export const THINKER_FAILURE = {
  timedOut: 'it took too long to get an answer',
  broke: 'something went wrong while looking that up',
} as const;
