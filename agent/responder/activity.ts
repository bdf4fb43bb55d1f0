import { EventEmitter } from 'node:events';

/**
 * Which response the Realtime session is generating right now, learned from the server's own
 * events (response.created / response.done), not from our requests: the server is the authority on
 * whether a new `response.create` would be refused.
 */
export class ResponseActivity extends EventEmitter<{ idle: []; active: [responseId: string] }> {
  #active: string | null = null;

  get activeId(): string | null {
    return this.#active;
  }

  get active(): boolean {
    return this.#active !== null;
  }

  onCreated(responseId: string): void {
    this.#active = responseId;
    this.emit('active', responseId);
  }

  onDone(responseId: string): void {
    if (this.#active !== responseId) return;
    this.#active = null;
    this.emit('idle');
  }

  /** The socket was replaced: whatever was active on the old one is gone. */
  reset(): void {
    if (this.#active === null) return;
    this.#active = null;
    this.emit('idle');
  }

  /** Resolves true once no response is active, false when `timeoutMs` passes first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (!this.active) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.off('idle', onIdle);
        resolve(false);
      }, timeoutMs);
      this.once('idle', onIdle);
    });
  }
}
