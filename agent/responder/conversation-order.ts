/**
 * The order of the conversation's message items as the server reports them (a committed turn, an
 * answer added), so a transcript can be put where its item is: the API transcribes the caller
 * asynchronously, and a caller's words may arrive after the answer to them.
 */
export class ConversationOrder {
  readonly #seq = new Map<string, number>();
  #next = 0;

  constructor(private readonly bound = 256) {}

  /** An item entered the conversation (at the end: Parley never inserts mid-conversation). */
  place(itemId: string): void {
    if (this.#seq.has(itemId)) return;
    this.#seq.set(itemId, this.#next++);
    // items that never get a transcript (transcription off) must not pile up
    if (this.#seq.size > this.bound) this.#seq.delete(this.#seq.keys().next().value!);
  }

  /** The item's place; an item never seen is placed now (after everything known). */
  seqOf(itemId: string): number {
    this.place(itemId);
    return this.#seq.get(itemId)!;
  }

  forget(itemId: string): void {
    this.#seq.delete(itemId);
  }
}
