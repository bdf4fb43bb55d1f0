/**
 * Where the sink's playout stands. rtc-node's AudioSource drains its native queue in real time,
 * so a frame handed over at time h starts playing when everything handed before it has played:
 *   start = max(h, end of the previous frame), end = start + frame duration.
 * The same model as AudioSource.queuedDuration, kept here per frame so that the played position
 * can be split by response and so silence padding is not counted as anyone's audio.
 * Error against the native side: the native task pulls 10 ms every 10 ms, so playback of a frame
 * handed to an idle queue starts up to 10 ms after this model says (less than one frame).
 *
 * A fixed ring of the most recent frames (typed arrays, nothing allocated per frame). Only frames
 * still queued matter; the pacer never keeps more than a few frames queued, far below the ring.
 */
export class PlayModel {
  readonly #cap: number;
  readonly #start: Float64Array;
  readonly #end: Float64Array;
  /** Ms of response audio in the frame (a zero-padded tail has less than a frame; silence has 0). */
  readonly #audioMs: Float64Array;
  /** Serial of the response the frame belongs to; -1 for silence padding. */
  readonly #owner: Int32Array;
  /** Frames recorded since the last clear. */
  #count = 0;
  #playEnd = -Infinity;

  constructor(capacity = 64) {
    this.#cap = capacity;
    this.#start = new Float64Array(capacity);
    this.#end = new Float64Array(capacity);
    this.#audioMs = new Float64Array(capacity);
    this.#owner = new Int32Array(capacity);
  }

  /** When everything handed over so far will have played (−Infinity when nothing was). */
  get endsAt(): number {
    return this.#playEnd;
  }

  /** Ms still queued in the sink at `now`. */
  queuedMs(now: number): number {
    return Math.max(0, this.#playEnd - now);
  }

  /** Records a frame handed over at `now`; returns when it will have finished playing. */
  record(now: number, owner: number, audioMs: number, frameMs: number): number {
    const i = this.#count % this.#cap;
    const start = Math.max(now, this.#playEnd);
    this.#start[i] = start;
    this.#end[i] = start + frameMs;
    this.#audioMs[i] = audioMs;
    this.#owner[i] = owner;
    this.#count++;
    this.#playEnd = start + frameMs;
    return this.#playEnd;
  }

  /** Ms of `owner`'s audio handed over but not yet played at `now`. */
  unplayedMs(owner: number, now: number): number {
    let unplayed = 0;
    const oldest = Math.max(0, this.#count - this.#cap);
    // newest first; frame ends are increasing, so the first fully played frame ends the scan
    for (let n = this.#count - 1; n >= oldest; n--) {
      const i = n % this.#cap;
      if (this.#end[i] <= now) break;
      if (this.#owner[i] !== owner) continue;
      const audio = this.#audioMs[i];
      // a frame's audio comes first, any zero padding after it
      unplayed += Math.min(audio, Math.max(0, this.#start[i] + audio - now));
    }
    return unplayed;
  }

  /** The sink's queue was cleared: nothing handed over so far will play. */
  clear(): void {
    this.#count = 0;
    this.#playEnd = -Infinity;
  }
}
