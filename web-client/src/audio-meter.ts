/**
 * Level of the agent's audio as the page plays it: a WebAudio analyser on the remote track.
 * Peak is the loudest 100 ms RMS seen so far (dBFS), so "did any agent audio arrive" is one number.
 */
export class AudioMeter {
  readonly #ctx = new AudioContext();
  readonly #analyser: AnalyserNode;
  readonly #buf: Float32Array<ArrayBuffer>;
  #timer: ReturnType<typeof setInterval> | null = null;
  peakDb = -120;

  constructor(track: MediaStreamTrack, onLevel: (db: number, peakDb: number) => void) {
    const src = this.#ctx.createMediaStreamSource(new MediaStream([track]));
    this.#analyser = this.#ctx.createAnalyser();
    this.#analyser.fftSize = 2048;
    this.#buf = new Float32Array(this.#analyser.fftSize);
    src.connect(this.#analyser); // not to the destination: the <audio> element plays it
    void this.#ctx.resume();
    this.#timer = setInterval(() => {
      this.#analyser.getFloatTimeDomainData(this.#buf);
      let sum = 0;
      for (const x of this.#buf) sum += x * x;
      const db = 10 * Math.log10(sum / this.#buf.length + 1e-12);
      this.peakDb = Math.max(this.peakDb, db);
      onLevel(db, this.peakDb);
    }, 100);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    void this.#ctx.close();
  }
}
