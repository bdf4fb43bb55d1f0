import type { ResponderSession } from '../responder/session.js';
import type { TurnController } from '../turns/controller.js';
import type { ThinkerHost } from './dispatcher.js';

/**
 * The call as thinkers see it: the Responder's tool calls and output, the turn controller's state.
 * Calls of the tools in `answeredElsewhere` (the call's own, e.g. transfer_to_human) are not theirs.
 */
export function thinkerHost(
  responder: ResponderSession,
  controller: TurnController,
  answeredElsewhere: readonly string[] = [],
): ThinkerHost {
  return {
    onFunctionCall: (fn) =>
      void responder.on('function-call', (responseId, call) => {
        if (!answeredElsewhere.includes(call.name)) fn(responseId, { callId: call.callId, name: call.name, args: call.args });
      }),
    submitToolOutput: (callId, output) => responder.submitToolOutput(callId, output),
    responseHadAudio: (id) => responder.responseHadAudio(id),
    say: (req) => controller.say(req),
    responseEnded: (id, maxWaitMs) => controller.responseEnded(id, maxWaitMs),
    get interruptions() {
      return controller.interruptions;
    },
    get agentBusy() {
      return controller.agentBusy;
    },
    get userSpeaking() {
      return controller.userSpeaking;
    },
    onUserSpeaking: (fn) => {
      controller.on('user-speaking', fn);
      return () => void controller.off('user-speaking', fn);
    },
  };
}
