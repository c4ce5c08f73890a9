/**
 * Runs a task on every wall-clock second boundary, never two at once: a tick that finds the
 * previous run still going is skipped and counted, so an overrun delays nothing else.
 */
export class Ticker {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #next = 0;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onOverrun: () => void,
    private readonly periodMs = 1_000,
  ) {}

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const now = Date.now();
    // Timers may fire a millisecond before the boundary by the wall clock; aiming at the
    // boundary after the one just served (not after `now`) avoids a double tick.
    const nextBoundary = now - (now % this.periodMs) + this.periodMs;
    this.#next = Math.max(nextBoundary, this.#next + this.periodMs);
    this.#timer = setTimeout(() => this.#tick(), this.#next - now);
  }

  #tick(): void {
    if (this.#running) {
      this.onOverrun();
    } else {
      this.#running = this.task().finally(() => {
        this.#running = undefined;
      });
    }
    this.#schedule();
  }

  /** Stops ticking and waits for the cycle in flight, if any, to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
