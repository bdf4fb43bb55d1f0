/** μ-law bytes in one 20 ms frame at 8 kHz, the unit the carrier plays per tick. */
export const FRAME_BYTES = 160;

type Entry = { kind: 'audio'; bytes: Buffer } | { kind: 'mark'; name: string };

/** What one tick of the phone's playout did. */
export interface PlayedTick {
  /** The agent's bytes played this tick (up to 160; fewer at the end of what was sent, the rest silence). */
  frame: Buffer | null;
  /** Marks whose audio before them has now all played, in the order they were sent. */
  marks: string[];
}

/**
 * Twilio's buffer of a bidirectional stream's outbound audio: bytes and marks in the order the agent
 * sent them, played one 20 ms frame per tick. A mark is due once every byte queued before it has
 * played: the tick after the one that took its last byte (that frame is then over), or the next tick
 * if nothing was queued before it. Never early, at most one tick late.
 */
export class Playout {
  #queue: Entry[] = [];
  #head = 0; // bytes of #queue[0] already played
  #bytes = 0;

  /** Bytes buffered and not yet played. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#queue.push({ kind: 'audio', bytes });
    this.#bytes += bytes.length;
  }

  mark(name: string): void {
    this.#queue.push({ kind: 'mark', name });
  }

  tick(): PlayedTick {
    const marks = this.#takeMarks();
    if (this.#bytes === 0) return { frame: null, marks };
    const parts: Buffer[] = [];
    let need = FRAME_BYTES;
    // A frame takes bytes across mark boundaries (the phone hears one continuous stream); a mark
    // passed inside this frame waits at the head and goes out on the next tick, when the frame is over.
    for (let i = 0; need > 0 && i < this.#queue.length; i++) {
      const e = this.#queue[i]!;
      if (e.kind === 'mark') continue;
      const from = i === 0 ? this.#head : 0;
      const take = Math.min(need, e.bytes.length - from);
      parts.push(e.bytes.subarray(from, from + take));
      need -= take;
      if (from + take === e.bytes.length) {
        this.#queue.splice(i, 1);
        i--;
        if (i < 0) this.#head = 0;
      } else if (i === 0) this.#head = from + take;
      else {
        // a partly played entry behind a mark: move its played part out so the mark stays ahead of the rest
        this.#queue[i] = { kind: 'audio', bytes: e.bytes.subarray(from + take) };
      }
    }
    const frame = Buffer.concat(parts);
    this.#bytes -= frame.length;
    return { frame, marks };
  }

  /** Empties the buffer; returns what was dropped and the marks left pending (released by the clear). */
  clear(): { discardedBytes: number; marks: string[] } {
    const discardedBytes = this.#bytes;
    const marks = this.#queue.flatMap((e) => (e.kind === 'mark' ? [e.name] : []));
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
    return { discardedBytes, marks };
  }

  #takeMarks(): string[] {
    const out: string[] = [];
    while (this.#queue[0]?.kind === 'mark') out.push((this.#queue.shift() as { name: string }).name);
    return out;
  }
}
