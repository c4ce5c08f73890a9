/**
 * Runs a task on every wall-clock second boundary, never two at once: a tick that finds the
 * previous run still going is skipped and counted, so an overrun delays nothing else.
 */
export class Ticker {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

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
    this.#timer = setTimeout(() => this.#tick(), this.periodMs - (now % this.periodMs));
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
