import type { AgentServer, JobRequest } from '@livekit/agents';

/**
 * How many calls this worker takes. Two mechanisms, because each alone is not enough:
 *  - the job-request handler rejects a job when the worker is at capacity, at once, so LiveKit offers
 *    it to another worker (the load report below only goes out every 2.5 s, too late for a burst);
 *  - the load report (max of CPU share and jobs/capacity) tells LiveKit to stop offering jobs at all
 *    to a full worker.
 * Accepted jobs count from the moment of acceptance, not from when their process is running.
 *
 * The load is reported on livekit-server's scale: the server routes a job only to workers whose
 * load is below its `agents.target_load` (0.7 by default; affinity = target − load in
 * pkg/service/agentservice.go), and drops the dispatch when there is none. Reported as a plain
 * fraction, a worker of 4 jobs stopped getting calls at 3, and those dispatches were lost
 * ("no servers available"). So a full worker reports exactly the target, and less below it.
 */
export class JobCapacity {
  /** Accepted job ids → when accepted (ms). */
  readonly #accepted = new Map<string, number>();
  readonly #seenRunning = new Set<string>();
  #server: AgentServer | null = null;

  constructor(
    readonly maxJobs: number,
    private readonly cpuLoad: () => Promise<number>,
    private readonly now: () => number = Date.now,
    /** An accepted job that never shows up as running is forgotten after this. */
    private readonly acceptTimeoutMs = 30_000,
    /** The server's target load: what "full" is reported as. */
    readonly targetLoad = 0.7,
  ) {
    if (!(targetLoad > 0 && targetLoad <= 1)) throw new Error(`target load must be in (0, 1], got ${targetLoad}`);
    if (!Number.isInteger(maxJobs) || maxJobs < 1) throw new Error(`max jobs must be a whole number ≥ 1, got ${maxJobs}`);
  }

  /** Jobs accepted and not finished. */
  get active(): number {
    this.#prune();
    return this.#accepted.size;
  }

  /** The worker's request handler. */
  request = async (req: JobRequest): Promise<void> => {
    if (this.active >= this.maxJobs) {
      await req.reject();
      return;
    }
    this.#accepted.set(req.id, this.now());
    await req.accept();
  };

  /**
   * The worker's load function: targetLoad means full (cpuLoad is already scaled so that 1 is
   * full). The worker's loadThreshold is the same target, so a full worker is also marked full.
   */
  load = async (server: AgentServer): Promise<number> => {
    this.#server = server;
    const jobs = this.active / this.maxJobs;
    const cpu = await this.cpuLoad().catch(() => 0);
    return this.targetLoad * Math.min(1, Math.max(jobs, cpu));
  };

  /** Forget jobs that have ended (seen running, now gone) or never started. */
  #prune(): void {
    const running = new Set((this.#server?.activeJobs ?? []).map((j) => j.job.id));
    for (const [id, at] of this.#accepted) {
      if (running.has(id)) {
        this.#seenRunning.add(id);
      } else if (this.#seenRunning.has(id) || this.now() - at > this.acceptTimeoutMs) {
        this.#accepted.delete(id);
        this.#seenRunning.delete(id);
      }
    }
  }
}
