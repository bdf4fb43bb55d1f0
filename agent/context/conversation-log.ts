import type { PiiRedactor } from '../guardrail/redactor.js';
import { log } from '../log.js';

/**
 * The call's transcript as thinkers and the summary see it: redacted (guardrail, off the event
 * loop) before it is kept, logged or stored. Bounded: the last `keep` lines.
 */
export class ConversationLog {
  /** Kept in conversation order (`seq`), which is not always the order lines arrive in. */
  readonly #lines: { seq: number; line: string }[] = [];
  readonly #topics = new Set<string>();
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly redactor: PiiRedactor,
    private readonly keep = 30,
  ) {}

  /**
   * Adds a line at its place in the conversation (`seq`: its item's order; a caller's transcript
   * can arrive after the answer to it). Redaction is asynchronous; the order does not depend on it.
   */
  add(role: 'caller' | 'agent', text: string, seq: number): void {
    const t = text.trim();
    if (!t) return;
    const redacted = this.redactor.redact(t);
    this.#chain = this.#chain.then(async () => {
      const r = await redacted;
      let at = this.#lines.length;
      while (at > 0 && this.#lines[at - 1]!.seq > seq) at--;
      // older than everything kept: already out of the window
      if (at === 0 && this.#lines.length >= this.keep) return;
      this.#lines.splice(at, 0, { seq, line: `${role}: ${r.text}` });
      if (this.#lines.length > this.keep) this.#lines.shift();
      log.info({ role, text: r.text, pii: r.found.length ? r.found : undefined }, 'transcript');
    });
  }

  topic(domain: string): void {
    this.#topics.add(domain);
  }

  /** The last lines, oldest first (waits for lines still being redacted). */
  async recent(n = 12): Promise<string[]> {
    await this.#chain;
    return this.#lines.slice(-n).map((l) => l.line);
  }

  /**
   * A rolling summary: the previous one, then one line for this call (what was asked, the caller's
   * last words), bounded so it never grows without limit. Deterministic, so it costs no model call
   * at hang-up.
   */
  async rollSummary(previous: string, now = new Date(), maxChars = 800): Promise<string> {
    const lines = await this.recent(this.keep);
    const said = lines
      .filter((l) => l.startsWith('caller: '))
      .slice(-3)
      .map((l) => l.slice(8));
    if (!said.length && !this.#topics.size) return previous;
    const topics = this.#topics.size ? `asked about ${[...this.#topics].join(', ')}` : 'talked';
    const entry = `${now.toISOString().slice(0, 10)}: ${topics}${said.length ? `; said "${said.join(' / ')}"` : ''}.`;
    const all = previous ? `${previous} ${entry}` : entry;
    return all.length > maxChars ? `…${all.slice(all.length - maxChars + 1)}` : all;
  }
}
