import type { Bar, Clock, SymbolSpec } from '@marketpipe/core';
import type { AnalyticsStage, CycleWrite, HistorySink, HotWindow } from '../ports';
import type { CollectorMetrics } from '../metrics';
import type { Logger } from '../logger';

export interface WindowReplicatorDeps {
  window: HotWindow;
  history: HistorySink;
  specs: readonly SymbolSpec[];
  analytics?: AnalyticsStage;
  metrics: CollectorMetrics;
  logger: Logger;
  wall: Clock;
  /** final bars per symbol the window holds (a refill writes at most this many) */
  windowBars: number;
  /**
   * bars per refill pipeline: building one holds the event loop, so small ones (measured in the
   * soak: 168k bars in 20k-bar pipelines blocked the loop 1.3 s and took 10 s; in 2k-bar ones,
   * 119 ms and 6 s)
   */
  refillChunk?: number;
}

const MAX_RESYNC_PASSES = 5;

/**
 * Keeps the Redis window a replica of the record (history). While Redis answers, each cycle's
 * write goes straight through. When a write fails, Redis is marked down (one log line, with the
 * cause) and cycles stop waiting on it; a background probe notices when it answers again, and
 * a refill pass rewrites what the window misses — final bars after its newest one (all of them
 * for a Redis that came back empty), the latest forming bars, features, signals, engine states
 * and symbol specs — before writes resume (one log line: outage length, what was refilled).
 */
export class WindowReplicator {
  readonly #deps: WindowReplicatorDeps;
  #up = true;
  #downSince = 0;
  #cause = '';
  #recovering: Promise<void> | null = null;
  #skippedDuringRefill = false;
  readonly #forming = new Map<string, Bar>();
  readonly #features = new Map<string, Uint8Array>();
  readonly #signals = new Map<string, Uint8Array>();

  constructor(deps: WindowReplicatorDeps) {
    this.#deps = deps;
    deps.metrics.redisUp.set(1);
  }

  get up(): boolean {
    return this.#up;
  }

  /** why Redis is down, or null while it is up */
  get downReason(): string | null {
    return this.#up ? null : this.#cause;
  }

  /** Writes one cycle if Redis is up; false when it was skipped or failed (nothing is lost: history holds the finals). */
  async write(w: CycleWrite): Promise<boolean> {
    for (const b of w.forming) this.#forming.set(b.symbol, b);
    for (const [s, v] of w.features) this.#features.set(s, v);
    for (const [s, v] of w.signals) this.#signals.set(s, v);
    if (!this.#up) {
      this.#skippedDuringRefill = true;
      this.#recover();
      return false;
    }
    try {
      await this.#deps.window.writeCycle(w);
      return true;
    } catch (error) {
      this.markDown(error);
      return false;
    }
  }

  /** Redis failed (a write, or the client's connection): one log line per outage, never one per cycle. */
  markDown(error: unknown): void {
    if (!this.#up) return;
    this.#up = false;
    this.#downSince = this.#deps.wall.now();
    this.#cause = describe(error);
    this.#deps.metrics.redisUp.set(0);
    this.#deps.metrics.redisOutages.inc();
    this.#deps.logger.warn(
      { cause: this.#cause, pendingHistory: this.#deps.history.pending },
      'redis unreachable: collecting on, history is the record; the window is refilled when it is back',
    );
  }

  /** Starts a recovery attempt unless one is running; resolves when it ends (up or still down). */
  recover(): Promise<void> {
    this.#recover();
    return this.#recovering ?? Promise.resolve();
  }

  /** Rewrites what the window misses now (start-up reconciliation); returns the final bars written. */
  refill(): Promise<number> {
    return this.#refill();
  }

  #recover(): void {
    if (this.#up || this.#recovering) return;
    this.#recovering = (async () => {
      try {
        await this.#deps.window.ping();
        let refilled = 0;
        // Cycles keep running during a refill and skip their writes; refill again until a pass
        // saw none, so the bars they committed meanwhile reach the window too.
        for (let pass = 0; pass < MAX_RESYNC_PASSES; pass++) {
          this.#skippedDuringRefill = false;
          refilled += await this.#refill();
          if (!this.#skippedDuringRefill) break;
        }
        this.#up = true;
        this.#deps.metrics.redisUp.set(1);
        this.#deps.logger.info(
          { outageMs: this.#deps.wall.now() - this.#downSince, refilledBars: refilled, symbols: this.#deps.specs.length },
          'redis is back: window refilled from history',
        );
      } catch (error) {
        this.#cause = describe(error);
      } finally {
        this.#recovering = null;
      }
    })();
  }

  /** Final bars after the window's newest (up to a full window), and every latest value. */
  async #refill(): Promise<number> {
    const { window, history, specs, analytics, windowBars } = this.#deps;
    const chunkSize = this.#deps.refillChunk ?? 2_000;
    const symbols = specs.map((s) => s.symbol);
    const newest = await window.lastFinalTs(symbols);
    const base: CycleWrite = {
      forming: [...this.#forming.values()],
      finals: [],
      features: new Map(this.#features),
      signals: new Map(this.#signals),
      seen: { symbols: [], at: this.#deps.wall.now() },
      specs,
      ...(analytics ? { states: analytics.allStates() } : {}),
    };
    let refilled = 0;
    let chunk: Bar[] = [];
    let first = true;
    const send = async () => {
      await window.writeCycle(first ? { ...base, finals: chunk } : { ...empty(base.seen.at), finals: chunk });
      refilled += chunk.length;
      chunk = [];
      first = false;
    };
    for (const symbol of symbols) {
      const bars = await history.recent(symbol, windowBars, newest.get(symbol) ?? undefined);
      for (const bar of bars) {
        chunk.push(bar);
        if (chunk.length >= chunkSize) await send();
      }
    }
    if (chunk.length > 0 || first) await send();
    return refilled;
  }
}

const empty = (at: number): CycleWrite => ({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at } });

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
