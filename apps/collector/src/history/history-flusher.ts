import type { Clock } from '@marketpipe/core';
import type { HistorySink } from '../ports';
import type { CollectorMetrics } from '../metrics';
import type { Logger } from '../logger';

export interface HistoryFlusherOptions {
  history: HistorySink;
  metrics: CollectorMetrics;
  logger: Logger;
  wall: Clock;
  /** normal flush period (ms) */
  periodMs: number;
  /** pending bars above which the collector logs loudly and reports not ready */
  warnAt: number;
  /** first retry after a failed flush; doubles after each failure, up to the normal period */
  minBackoffMs?: number;
}

export interface HistoryHealth {
  ok: boolean;
  pending: number;
  /** why history is not healthy (a failing database, a buffer over its warning level) */
  reason?: string;
}

/**
 * Flushes the history buffer on a period, and after a failure retries with backoff while the
 * buffer keeps every bar (a full disk, a read-only or locked file, an unreachable remote all
 * heal by themselves or by an operator; none is a reason to drop data). One log line when
 * flushing starts failing, one when it recovers; a loud one when the buffer passes its warning.
 */
export class HistoryFlusher {
  readonly #o: Required<HistoryFlusherOptions>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;
  #failures = 0;
  #failingSince = 0;
  #lastError = '';
  #warned = false;
  /** a cycle is under way (see hold) */
  #held = false;
  /** a flush fell due during the hold */
  #due = false;

  constructor(opts: HistoryFlusherOptions) {
    this.#o = { minBackoffMs: 1_000, ...opts };
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(this.#o.periodMs);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * A cycle starts: a flush that falls due waits for `release`, since writing a minute's bars
   * holds the thread (native SQLite: ~20–40 ms for 5,000 bars) and would land inside the cycle.
   * Between cycles the thread is idle. A hold longer than the period does not stop the flush.
   */
  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
    if (!this.#due) return;
    this.#due = false;
    clearTimeout(this.#timer);
    this.#run();
  }

  health(): HistoryHealth {
    const pending = this.#o.history.pending;
    if (this.#failures > 0) return { ok: false, pending, reason: `history writes failing since ${new Date(this.#failingSince).toISOString()}: ${this.#lastError}` };
    if (pending > this.#o.warnAt) return { ok: false, pending, reason: `history buffer holds ${pending} bars (warning level ${this.#o.warnAt})` };
    return { ok: true, pending };
  }

  /** Called after bars are buffered: says so loudly, once per crossing, when the buffer passes its warning level. */
  observe(): void {
    const pending = this.#o.history.pending;
    this.#o.metrics.historyPending.set(pending);
    if (pending > this.#o.warnAt && !this.#warned) {
      this.#warned = true;
      this.#o.logger.error({ pending, warnAt: this.#o.warnAt, lastError: this.#lastError || undefined }, 'history buffer above its warning level: bars are not reaching the database');
    } else if (pending <= this.#o.warnAt / 2) {
      this.#warned = false;
    }
  }

  /** One flush now; never throws (a failure is logged once, counted and retried). Returns rows written. */
  async flushNow(): Promise<number> {
    // Empty flushes are not timed: they would bury the real ones in the lowest bucket.
    const endTimer = this.#o.history.pending > 0 ? this.#o.metrics.historyFlushSeconds.startTimer() : undefined;
    try {
      const rows = await this.#o.history.flush();
      if (this.#failures > 0) {
        this.#o.logger.info(
          { failedAttempts: this.#failures, outageMs: this.#o.wall.now() - this.#failingSince, rowsWritten: rows },
          'history writable again: buffered bars written',
        );
      }
      this.#failures = 0;
      this.#lastError = '';
      return rows;
    } catch (error) {
      this.#o.metrics.historyFlushFailures.inc();
      this.#lastError = error instanceof Error ? error.message : String(error);
      if (this.#failures === 0) {
        this.#failingSince = this.#o.wall.now();
        this.#o.logger.error({ cause: this.#lastError, pending: this.#o.history.pending }, 'history flush failed: keeping every bar buffered and retrying with backoff');
      }
      this.#failures++;
      return 0;
    } finally {
      endTimer?.();
      this.observe();
    }
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      if (!this.#held) return this.#run();
      this.#due = true;
      this.#timer = setTimeout(() => {
        this.#due = false;
        this.#run();
      }, this.#o.periodMs);
    }, ms);
  }

  #run(): void {
    if (this.#stopped) return;
    void this.flushNow().then(() => {
      const backoff = this.#o.minBackoffMs * 2 ** Math.max(0, this.#failures - 1);
      this.#schedule(this.#failures > 0 ? Math.min(backoff, this.#o.periodMs) : this.#o.periodMs);
    });
  }
}
