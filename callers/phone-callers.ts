import { runSipLeg } from './sip-leg.js';
import { runTwilioLeg } from './twilio-leg.js';
import type { TwilioCarrier } from './twilio/carrier.js';
import { speak } from '../speech/clips.js';
import { sleep } from './wait.js';

/** A phone line is greeted first (PARLEY_GREETING_SIP / _TWILIO): the caller lets it play before asking. */
const GREETING_MS = 4_500;
const QUESTIONS = ['Hello Parley, what is the weather like in Paris today', 'And what time is it there now'];

export interface PhoneCallersOptions {
  /** LiveKit SIP (host:port), the caller's own address (allowed by the trunk), the number dialled. */
  sip?: { target: string; from: string; number: string };
  /** Twilio: the carrier, and what it dials (the gateway's webhook, the account's credentials). */
  twilio?: { carrier: TwilioCarrier; webhookUrl: string; authToken: string; accountSid: string; number: string };
  /** Pause between one call's end and the next. */
  pauseMs?: number;
}

/**
 * For the isolated run (no softphone can reach the namespace): a scripted caller on each phone
 * path, calling again and again, printing each turn as the caller lived it (its speech end → the
 * first answer sound at its ear), so one can watch SIP and Twilio Media Streams answer.
 */
export function startPhoneCallers(o: PhoneCallersOptions): { stop(): Promise<void> } {
  let stopped = false;
  const loops: Promise<void>[] = [];
  const questions8k = Promise.all(QUESTIONS.map((q) => speak(q, 8000)));
  const loop = async (
    name: string,
    call: (q: Int16Array[], leg: number) => Promise<{ turns: { speechEndAt: number; answerAt: number | null }[] }>,
  ) => {
    for (let leg = 0; !stopped; leg++) {
      try {
        const res = await call(await questions8k, leg);
        if (res.turns.length === 0)
          console.log(`${name} caller: call ${leg + 1}: no turn measured (nothing of the caller's own audio was dated)`);
        for (const [i, t] of res.turns.entries()) {
          const what = t.answerAt === null ? 'no answer' : `answered ${Math.round(t.answerAt - t.speechEndAt)} ms after the caller stopped`;
          console.log(`${name} caller: call ${leg + 1} turn ${i + 1}: ${what}`);
        }
      } catch (e) {
        console.log(`${name} caller: call ${leg + 1} failed: ${(e as Error).message}`);
      }
      await sleep(o.pauseMs ?? 5_000);
    }
  };
  if (o.sip) {
    const sip = o.sip;
    loops.push(
      loop('sip', (q, leg) =>
        runSipLeg({
          target: sip.target,
          from: sip.from,
          number: sip.number,
          questions8k: q,
          turns: q.length,
          gapMs: 5_000,
          mediaPort: 17_000 + 2 * (leg % 50),
          leadInMs: GREETING_MS,
        }),
      ),
    );
  }
  if (o.twilio) {
    const tw = o.twilio;
    loops.push(
      loop('twilio', (q) =>
        runTwilioLeg({
          dial: () =>
            tw.carrier.call({
              webhookUrl: tw.webhookUrl,
              authToken: tw.authToken,
              accountSid: tw.accountSid,
              from: '+15550123',
              to: tw.number,
            }),
          questions8k: q,
          turns: q.length,
          gapMs: 5_000,
          leadInMs: GREETING_MS,
        }),
      ),
    );
  }
  return {
    stop: async () => {
      stopped = true;
      await o.twilio?.carrier.hangUpAll().catch(() => {});
      await Promise.race([Promise.allSettled(loops), sleep(15_000)]);
    },
  };
}
