import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The ticket a voice webhook hands to the stream it starts: the stream endpoint accepts only a
 * stream whose `start` carries a ticket for its own CallSid, issued by a webhook that Twilio
 * signed, not yet expired. Twilio passes it back as a <Parameter> of <Stream> (customParameters).
 *   `<expiry ms>.<hmac-sha256(key, "stream:" callSid "." expiry) base64url>`
 * Keyed by a secret derived from the auth token, so nothing else needs configuring.
 */
export class StreamTickets {
  readonly #key: Buffer;

  constructor(
    authToken: string,
    /** Between the webhook's answer and the stream's start: Twilio connects within a second or two. */
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = createHmac('sha256', authToken).update('parley twilio stream tickets').digest();
  }

  issue(callSid: string): string {
    const expiry = this.now() + this.ttlMs;
    return `${expiry}.${this.#mac(callSid, expiry)}`;
  }

  /** Why `ticket` does not admit a stream for `callSid`, or null when it does. */
  refuse(callSid: string, ticket: string | undefined): string | null {
    if (!ticket) return 'no ticket';
    const m = /^(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (!m) return 'malformed ticket';
    const expiry = Number(m[1]);
    const want = Buffer.from(this.#mac(callSid, expiry));
    const got = Buffer.from(m[2]!);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'ticket not issued for this call';
    if (this.now() > expiry) return 'ticket expired';
    return null;
  }

  #mac(callSid: string, expiry: number): string {
    return createHmac('sha256', this.#key).update(`stream:${callSid}.${expiry}`).digest('base64url');
  }
}
