import type { Bar, Clock, SymbolSpec } from '@marketpipe/core';
import type { AnalyticsStage, CycleWrite, FinalSpan, HigherInterval, HistorySink, HotWindow, IntervalWrite, TimeframeStage } from '../ports';
import { missingTimeframeBars } from './timeframe-refill';
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
  /** the higher timeframes: their latest values are kept for a refill, their final bars re-derived from history */
  timeframes?: TimeframeStage;
  /** how far back history reaches: bounds re-deriving higher-timeframe bars for an empty window (default 90 days) */
  retentionMs?: number;
}

const MAX_RESYNC_PASSES = 5;
const DEFAULT_RETENTION_MS = 90 * 86_400_000;

/**
 * Keeps the Redis window a replica of the record (history). While Redis answers, each cycle's
 * write goes straight through. When a write fails, Redis is marked down (one log line, with the
 * cause) and cycles stop waiting on it; a background probe notices when it answers again, and
 * a refill pass rewrites what the window misses — final bars after its newest one (all of them
 * for a Redis that came back empty), the latest forming bars, features, signals, engine states
 * and symbol specs, for 1m and every higher timeframe (whose final bars are resampled again
 * from 1m history) — before writes resume (one log line: outage length, what was refilled).
 */
export class WindowReplicator {
  readonly #deps: WindowReplicatorDeps;
  #up = true;
  #downSince = 0;
  #cause = '';
  #recovering: Promise<void> | null = null;
  #skippedDuringRefill = false;
  /**
   * The 1m forming bars written, kept to rewrite a window that lost them. Features, signals and
   * the higher timeframes' values are not kept: the stages compute them again for a refill.
   */
  readonly #forming = new Map<string, Bar>();

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

  /** Final bars after the window's newest (up to a full window), and every latest value; 1m and higher timeframes. */
  async #refill(): Promise<number> {
    const { window, history, specs, analytics, timeframes, windowBars } = this.#deps;
    const chunkSize = this.#deps.refillChunk ?? 2_000;
    const symbols = specs.map((s) => s.symbol);
    const newest = await window.lastFinalTs(symbols);
    const spans = new Map<HigherInterval, Map<string, FinalSpan | null>>();
    for (const iv of timeframes?.barIntervals ?? []) spans.set(iv, await window.finalSpan(symbols, iv));
    const at = this.#deps.wall.now();
    const latest = analytics?.latest(at);
    const base: CycleWrite = {
      forming: [...this.#forming.values()],
      finals: [],
      features: latest?.features ?? new Map(),
      signals: latest?.signals ?? new Map(),
      seen: { symbols: [], at },
      specs,
      ...(analytics ? { states: analytics.allStates() } : {}),
      ...(timeframes ? { higher: await latestHigher(timeframes, at) } : {}),
    };
    let refilled = 0;
    let chunk = empty(at);
    let size = 0;
    let first = true;
    const send = async () => {
      await window.writeCycle(first ? { ...base, finals: chunk.finals, higher: mergeHigher(base.higher, chunk.higher) } : chunk);
      refilled += size;
      chunk = empty(at);
      size = 0;
      first = false;
    };
    for (const symbol of symbols) {
      const bars = await history.recent(symbol, windowBars, newest.get(symbol) ?? undefined);
      for (const bar of bars) {
        chunk.finals.push(bar);
        if (++size >= chunkSize) await send();
      }
    }
    const opts = { windowBars, retentionMs: this.#deps.retentionMs ?? DEFAULT_RETENTION_MS };
    for (const spec of spans.size > 0 ? specs : []) {
      for (const [iv, bars] of await missingTimeframeBars(history, spec, spans, opts)) {
        for (const bar of bars) {
          higherOf(chunk, iv).finals.push(bar);
          if (++size >= chunkSize) await send();
        }
      }
    }
    if (size > 0 || first) await send();
    return refilled;
  }

}

/** The forming bars, features and signals every higher interval shows now, with every engine state. */
async function latestHigher(timeframes: TimeframeStage, at: number): Promise<Map<HigherInterval, IntervalWrite>> {
  const states = await timeframes.allStates();
  const out = await timeframes.latest(at);
  for (const [iv, w] of out) {
    const s = states.get(iv)?.states;
    if (s) w.states = s;
  }
  return out;
}

function higherOf(w: CycleWrite, iv: HigherInterval): IntervalWrite {
  const higher = w.higher as Map<HigherInterval, IntervalWrite>;
  let iw = higher.get(iv);
  if (!iw) higher.set(iv, (iw = { finals: [], forming: [], features: new Map(), signals: new Map() }));
  return iw;
}

/** The first refill write carries the latest values and the first chunk of bars together. */
function mergeHigher(latest: CycleWrite['higher'], chunk: CycleWrite['higher']): CycleWrite['higher'] {
  if (!latest) return chunk;
  const out = new Map(latest);
  for (const [iv, w] of chunk ?? []) {
    const l = out.get(iv);
    out.set(iv, l ? { ...l, finals: w.finals } : w);
  }
  return out;
}

const empty = (at: number): CycleWrite => ({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at }, higher: new Map() });

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
