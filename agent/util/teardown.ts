/** One close that threw, rejected, or did not settle in time during a teardown. */
export interface TeardownFailure {
  name: string;
  error: Error;
}

interface Step {
  name: string;
  close: () => unknown;
  timeoutMs: number;
}

/**
 * A defer stack: each resource registers its close where it is made, and `run()` closes them in
 * the reverse order, every one of them, whatever an earlier close did: a close that throws is
 * reported and the next one runs; a close that hangs is given up after its time bound (reported,
 * left to settle on its own) so it cannot hold back the rest, such as the records written last.
 * What a call opens is then closed even when the call fails halfway through starting.
 */
export class Teardown {
  readonly #steps: Step[] = [];
  #run: Promise<TeardownFailure[]> | null = null;

  constructor(private readonly defaultTimeoutMs = 5_000) {}

  /** Registers `close` to run at teardown. Registering after `run()` has begun closes after the rest. */
  defer(name: string, close: () => unknown, opts: { timeoutMs?: number } = {}): void {
    const step = { name, close, timeoutMs: opts.timeoutMs ?? this.defaultTimeoutMs };
    if (this.#run) {
      void this.#run.then(() => runStep(step));
      return;
    }
    this.#steps.push(step);
  }

  /** Runs every close once, newest first; later calls return the same result. */
  run(): Promise<TeardownFailure[]> {
    this.#run ??= (async () => {
      const failures: TeardownFailure[] = [];
      for (const step of this.#steps.splice(0).reverse()) {
        const failure = await runStep(step);
        if (failure) failures.push(failure);
      }
      return failures;
    })();
    return this.#run;
  }
}

async function runStep(step: Step): Promise<TeardownFailure | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${step.timeoutMs} ms`)), step.timeoutMs);
    });
    await Promise.race([Promise.resolve().then(step.close), timedOut]);
    return null;
  } catch (e) {
    return { name: step.name, error: e instanceof Error ? e : new Error(String(e)) };
  } finally {
    clearTimeout(timer);
  }
}
