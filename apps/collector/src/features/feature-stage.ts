import {
  FeatureEngine,
  decodeValue,
  encodeFeatures,
  encodeSignal,
  encodeValue,
  scan,
  type Bar,
  type FeatureEngineState,
  type Features,
  type FeaturePeriods,
  type SymbolSpec,
} from '@marketpipe/core';
import type { AnalyticsOutput, AnalyticsStage, HistorySink, HotWindow } from '../ports';
import type { Logger } from '../logger';
import { takeFrom } from './take-from';

/** Bars replayed to warm a cold engine: enough for EMA 200 to forget its seed. */
export const WARM_BARS = 5_000;

export interface WarmReport {
  /** engines resumed from persisted state */
  restored: number;
  /** engines rebuilt from history */
  rebuilt: number;
  /** bars replayed in total (catch-up after a restored state, or the warm window) */
  replayed: number;
}

/**
 * The analytics stage: one incremental FeatureEngine per symbol, and the scanner over its
 * latest features. Final bars are committed, the forming bar is shown without disturbing
 * committed state. Engine state is persisted to
 * Redis so a restart resumes exactly where it left off instead of recomputing history.
 */
export class FeatureStage implements AnalyticsStage {
  readonly #engines = new Map<string, FeatureEngine>();
  readonly #dirty = new Set<string>();
  /** symbols whose engine has shown features (what a refill rewrites) */
  readonly #shown = new Set<string>();
  /** the payload object every engine's features are written into, encoded and scanned, then overwritten */
  #scratch: Features | undefined;

  constructor(
    specs: readonly SymbolSpec[],
    private readonly periods?: Partial<FeaturePeriods>,
  ) {
    for (const spec of specs) this.#engines.set(spec.symbol, this.#newEngine(spec));
  }

  #newEngine(spec: SymbolSpec): FeatureEngine {
    return new FeatureEngine({ session: spec.session, ...(this.periods ? { periods: this.periods } : {}) });
  }

  /** A fresh engine for a symbol this collector starts collecting again (a shard takeover); warm() then fills it. */
  reset(spec: SymbolSpec): void {
    this.#engines.set(spec.symbol, this.#newEngine(spec));
    this.#dirty.delete(spec.symbol);
    this.#shown.delete(spec.symbol);
  }

  engine(symbol: string): FeatureEngine | undefined {
    return this.#engines.get(symbol);
  }

  /**
   * Restores each engine from its persisted state and replays the final bars history holds
   * after it; an engine without (usable) state — or all of them, when Redis is unreachable —
   * is rebuilt from the last WARM_BARS bars of history.
   */
  async warm(specs: readonly SymbolSpec[], history: HistorySink, window: HotWindow | null, logger: Logger): Promise<WarmReport> {
    const report: WarmReport = { restored: 0, rebuilt: 0, replayed: 0 };
    let states = new Map<string, Uint8Array>();
    try {
      if (window) states = await window.loadStates(specs.map((s) => s.symbol));
    } catch (err) {
      logger.warn({ cause: err instanceof Error ? err.message : String(err) }, 'engine states unreadable (Redis unreachable); rebuilding engines from history');
    }
    for (const spec of specs) {
      let engine = this.#engines.get(spec.symbol)!;
      let from: number | null = null;
      const last = await history.lastTs(spec.symbol);
      const bytes = states.get(spec.symbol);
      if (bytes) {
        try {
          const state = decodeValue<FeatureEngineState>(bytes);
          // A state that has seen bars history does not hold (another database, a lost file)
          // would reject the next bar as out of order: the record wins, rebuild from it.
          if (state.last && (last === null || state.last.ts > last)) throw new Error(`state at ${state.last.ts} is ahead of history (${last})`);
          engine.restore(state);
          from = state.last ? state.last.ts + 1 : 0;
          report.restored++;
        } catch (err) {
          logger.warn({ cause: err instanceof Error ? err.message : String(err), symbol: spec.symbol }, 'persisted engine state unusable; rebuilding from history');
          engine = this.#newEngine(spec);
          this.#engines.set(spec.symbol, engine);
        }
      }
      if (last === null) continue;
      if (from === null) {
        from = last - (WARM_BARS - 1) * 60_000;
        report.rebuilt++;
      }
      const bars = await history.range(spec.symbol, from, last);
      for (const bar of bars) engine.update(bar, { final: true });
      report.replayed += bars.length;
      if (bars.length > 0) this.#dirty.add(spec.symbol);
    }
    return report;
  }

  update(spec: SymbolSpec, finals: readonly Bar[], forming: Bar | null, wallNow: number): AnalyticsOutput {
    const engine = this.#engines.get(spec.symbol);
    if (!engine) return {};
    for (const bar of finals) engine.update(bar, { final: true });
    if (finals.length > 0) this.#dirty.add(spec.symbol);
    if (forming) engine.update(forming, { final: false });
    if (finals.length === 0 && !forming) return {};
    if (!this.#shown.has(spec.symbol)) this.#shown.add(spec.symbol);
    const features = (this.#scratch = engine.features(wallNow, this.#scratch));
    return { features: encodeFeatures(features), signal: encodeSignal(scan(features, wallNow)) };
  }

  /**
   * What every engine shows now, encoded: a refill rewrites it. Computed on demand rather than
   * each cycle's values being kept, since keeping 15,000 payloads a cycle alive into the next
   * (until replaced) promoted them out of the young generation: ~25–90 ms of GC a cycle.
   */
  latest(wallNow: number): { features: Map<string, Uint8Array>; signals: Map<string, Uint8Array> } {
    const features = new Map<string, Uint8Array>();
    const signals = new Map<string, Uint8Array>();
    for (const symbol of this.#shown) {
      const f = (this.#scratch = this.#engines.get(symbol)!.features(wallNow, this.#scratch));
      features.set(symbol, encodeFeatures(f));
      signals.set(symbol, encodeSignal(scan(f, wallNow)));
    }
    return { features, signals };
  }

  /** Encoded committed state of the engines changed since they were last taken, at most `limit`, longest waiting first. */
  takeStates(limit = Number.POSITIVE_INFINITY): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const symbol of takeFrom(this.#dirty, limit)) out.set(symbol, encodeValue(this.#engines.get(symbol)!.snapshot()));
    return out;
  }

  allStates(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [symbol, engine] of this.#engines) out.set(symbol, encodeValue(engine.snapshot()));
    return out;
  }
}
