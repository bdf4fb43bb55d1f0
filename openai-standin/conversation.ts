import type { ConversationItem } from 'openai/resources/realtime/realtime';

/** One item of the conversation as the server holds it. */
export interface Entry {
  item: ConversationItem & { id: string };
  /**
   * The audio the server counts for the item (ms): a user message's committed audio, or what an
   * assistant message has produced. Truncation is checked against it.
   */
  audioMs: number;
}

/**
 * The conversation the server keeps: ordered items, inserted at the end, at the start (`root`) or
 * after a given item, as `conversation.item.create` allows.
 */
export class Conversation {
  readonly #entries: Entry[] = [];

  get lastId(): string | null {
    return this.#entries.at(-1)?.item.id ?? null;
  }

  get(id: string | undefined): Entry | undefined {
    return id === undefined ? undefined : this.#entries.find((e) => e.item.id === id);
  }

  /** True when a function call with this call_id is in the conversation (a tool result must answer one). */
  hasCall(callId: string | undefined): boolean {
    return this.#entries.some((e) => e.item.type === 'function_call' && e.item.call_id === callId);
  }

  /**
   * Inserts an item; `after` undefined appends, `'root'` puts it first. Returns the id of the item
   * now before it, or `undefined` when `after` names no item (the API then refuses and adds nothing).
   */
  insert(item: Entry['item'], audioMs = 0, after?: string): { previous: string | null } | undefined {
    let at = this.#entries.length;
    if (after === 'root') at = 0;
    else if (after !== undefined) {
      const i = this.#entries.findIndex((e) => e.item.id === after);
      if (i < 0) return undefined;
      at = i + 1;
    }
    this.#entries.splice(at, 0, { item, audioMs });
    return { previous: at > 0 ? this.#entries[at - 1]!.item.id : null };
  }

  remove(id: string): boolean {
    const i = this.#entries.findIndex((e) => e.item.id === id);
    if (i < 0) return false;
    this.#entries.splice(i, 1);
    return true;
  }
}
