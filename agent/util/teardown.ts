/** One close that threw (or rejected) during a teardown. */
export interface TeardownFailure {
  name: string;
  error: Error;
}

/**
 * A defer stack: each resource registers its close where it is made, and `run()` closes them in
 * the reverse order, every one of them, whatever an earlier close did; the failures come back
 * together. What a call opens is then closed even when the call fails halfway through starting.
 */
export class Teardown {
  readonly #steps: { name: string; close: () => unknown }[] = [];
  #run: Promise<TeardownFailure[]> | null = null;

  /** Registers `close` to run at teardown. Registering after `run()` has begun closes at once. */
  defer(name: string, close: () => unknown): void {
    if (this.#run) {
      void this.#run.then(() => runStep({ name, close }));
      return;
    }
    this.#steps.push({ name, close });
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

async function runStep(step: { name: string; close: () => unknown }): Promise<TeardownFailure | null> {
  try {
    await step.close();
    return null;
  } catch (e) {
    return { name: step.name, error: e instanceof Error ? e : new Error(String(e)) };
  }
}
