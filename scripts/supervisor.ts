import type { Child } from './demo-children';

export interface SupervisorOptions {
  /** Starts one incarnation; called once at construction and again for every restart. */
  start: () => Child;
  /** Where the restarted process comes back, for the announcement ("on 127.0.0.1:6379 with data in ./data"). */
  where: string;
  say: (line: string) => void;
  /** Called once when it dies too often; it is not restarted after that. */
  onGiveUp: (reason: string) => void;
  /** Delay before the first restart, doubled for each further death within the window, up to `maxMs`. */
  backoff?: { firstMs: number; maxMs: number };
  /** More deaths than this within `windowMs` means restarting does not help: give up. */
  maxRestarts?: number;
  windowMs?: number;
}

/**
 * A demo child that is restarted when it dies on its own, with the same command line (so the
 * same port and data directory), instead of taking the whole demo down. The backoff and the
 * limit keep a process that cannot start (a corrupt file, a taken port) from looping forever.
 */
export class Supervised {
  #child: Child;
  #deaths: number[] = [];
  #restarts = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  #gaveUp = false;
  readonly #options: Required<SupervisorOptions>;

  constructor(
    readonly name: string,
    options: SupervisorOptions,
  ) {
    this.#options = { backoff: { firstMs: 500, maxMs: 5_000 }, maxRestarts: 5, windowMs: 60_000, ...options };
    this.#child = this.#spawn();
  }

  /** The current incarnation. */
  get child(): Child {
    return this.#child;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get gaveUp(): boolean {
    return this.#gaveUp;
  }

  /** Stops the current incarnation and any pending restart. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    await this.#child.stop(graceMs);
  }

  #spawn(): Child {
    const child = this.#options.start();
    void child.exited.then(() => this.#died(child));
    return child;
  }

  #died(child: Child): void {
    if (this.#stopping || child.stopping) return;
    const { say, where, onGiveUp, backoff, maxRestarts, windowMs } = this.#options;
    const { signalCode, exitCode } = child.process;
    const how = signalCode ? `signal ${signalCode}` : `code ${exitCode}`;
    const now = Date.now();
    this.#deaths = [...this.#deaths.filter((t) => now - t < windowMs), now];
    if (this.#deaths.length > maxRestarts) {
      this.#gaveUp = true;
      onGiveUp(`${this.name} exited unexpectedly (${how}), ${this.#deaths.length} times within ${windowMs / 1000} s: not restarting it again`);
      return;
    }
    const delayMs = Math.min(backoff.maxMs, backoff.firstMs * 2 ** (this.#deaths.length - 1));
    this.#restarts += 1;
    say(`${this.name} exited unexpectedly (${how}); restarting it ${where} in ${delayMs / 1000} s (restart #${this.#restarts})`);
    this.#timer = setTimeout(() => {
      this.#child = this.#spawn();
    }, delayMs);
  }
}
