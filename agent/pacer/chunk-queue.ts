/**
 * FIFO of PCM chunks read out in exact-size pieces. Chunks are kept by reference (no copy on the
 * way in); each sample is copied exactly once, into the frame that carries it out.
 * The caller must not modify a chunk after pushing it.
 */
export class ChunkQueue {
  readonly #chunks: Int16Array[] = [];
  /** Index of the first unread chunk (consumed chunks are compacted away in batches). */
  #head = 0;
  /** Samples already read from the head chunk. */
  #offset = 0;
  #available = 0;

  /** Samples queued and not yet read. */
  get available(): number {
    return this.#available;
  }

  push(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.#chunks.push(pcm);
    this.#available += pcm.length;
  }

  /**
   * Moves `n` samples (at most `available`) into `dst` starting at index 0 and returns how many
   * were moved. A plain loop rather than `set(subarray())`: no view object per read.
   */
  read(dst: Int16Array, n: number): number {
    const want = Math.min(n, this.#available, dst.length);
    let written = 0;
    while (written < want) {
      const chunk = this.#chunks[this.#head];
      const take = Math.min(want - written, chunk.length - this.#offset);
      const from = this.#offset;
      for (let i = 0; i < take; i++) dst[written + i] = chunk[from + i];
      written += take;
      this.#offset += take;
      if (this.#offset === chunk.length) {
        this.#head++;
        this.#offset = 0;
      }
    }
    this.#available -= want;
    // drop consumed chunk references now and then, so the array neither grows nor shifts per read
    if (this.#head >= 32 || this.#head === this.#chunks.length) {
      this.#chunks.splice(0, this.#head);
      this.#head = 0;
    }
    return want;
  }

  clear(): void {
    this.#chunks.length = 0;
    this.#head = 0;
    this.#offset = 0;
    this.#available = 0;
  }
}
