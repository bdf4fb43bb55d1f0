/**
 * How far the call's reading of caller audio runs behind the audio itself, ms.
 *
 * Caller audio comes at its own pace (rtc-node's AudioStream is pulled every 10 ms by the audio
 * device, a Twilio stream sends every 20 ms), so `arrival − stream time` stays about constant while
 * the call keeps up. When the call's loop stalls, hops pile up natively and are read in a burst
 * after it: the first of them read late by about the stall. The stamp the turn controller puts on
 * speech (the hop's arrival) cannot see that; this can: lateness = this hop's offset − the least
 * offset seen in the last `windowMs`. The window lets a source that really paused (no audio
 * for a while, then the live pace again) stop reading as late once the window has passed.
 *
 * O(1) amortised per hop (a monotone queue of offsets); no allocation but the queue's entries.
 */
export class InputLateness {
  /** [arrivedAt, offset] with offsets increasing from the front: the front is the window's least. */
  readonly #queue: Array<[number, number]> = [];
  #head = 0;

  constructor(private readonly windowMs = 5_000) {}

  /** One hop read at `arrivedAt` (wall ms) whose audio ends at `streamEndMs` of the stream. Returns its lateness, ms ≥ 0. */
  observe(arrivedAt: number, streamEndMs: number): number {
    const offset = arrivedAt - streamEndMs;
    const q = this.#queue;
    while (q.length > this.#head && q[q.length - 1]![1] >= offset) q.pop();
    q.push([arrivedAt, offset]);
    while (q[this.#head]![0] < arrivedAt - this.windowMs) this.#head++;
    // compact now and then, so the array does not grow with the call
    if (this.#head > 256) {
      q.splice(0, this.#head);
      this.#head = 0;
    }
    return offset - q[this.#head]![1];
  }
}
