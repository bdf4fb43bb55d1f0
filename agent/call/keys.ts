/** The keys of a phone keypad (RFC 4733 events 0–15). */
const KEY = /^[0-9*#A-D]$/;

/**
 * Collects the keys a caller presses into entries: keys pressed within `gapMs` of each other are
 * one entry ("1 2 3 4" for an account number), flushed `gapMs` after the last key, or at once on
 * '#' (the keypad's "done"). A key that is not a keypad key is dropped, never passed on.
 */
export class KeyCollector {
  #keys = '';
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly gapMs: number,
    private readonly onEntry: (keys: string) => void,
  ) {}

  /** Returns false when `key` is not a keypad key (it is dropped). */
  press(key: string): boolean {
    // LiveKit SIP reports A–D in lower case
    key = key.toUpperCase();
    if (this.#closed || !KEY.test(key)) return false;
    this.#keys += key;
    clearTimeout(this.#timer);
    if (key === '#') this.flush();
    else this.#timer = setTimeout(() => this.flush(), this.gapMs);
    return true;
  }

  flush(): void {
    clearTimeout(this.#timer);
    const keys = this.#keys;
    this.#keys = '';
    if (keys && !this.#closed) this.onEntry(keys);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}
