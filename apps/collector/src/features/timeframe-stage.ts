import {
  FeatureEngine,
  Resampler,
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
import type { HigherInterval, IntervalWrite, TimeframeStage } from '../ports';
import { takeFrom } from './take-from';

/** One symbol's state for one higher interval: its resampler, and its engine when the interval has features. */
export interface TimeframeSlot {
  readonly interval: HigherInterval;
  /** index into the stage's intervals (and its pending writes) */
  readonly index: number;
  readonly resampler: Resampler;
  engine: FeatureEngine | null;
  /**
   * ts of the last bar the engine committed: a bar at or before it is not given to the engine
   * (after a restore the resampler rebuilds that bucket from history and completes it again).
   */
  engineTs: number;
  /** the bar of this interval the symbol shows now (what a refill rewrites) */
  current: Bar | null;
  /** the engine has shown features */
  shown: boolean;
}

/** A slot as it stands, to move it to another thread (TimeframeThread): everything `update` builds on. */
export interface SlotState {
  acc: Bar | null;
  engine: FeatureEngineState | null;
  engineTs: number;
  current: Bar | null;
  shown: boolean;
  /** its engine state has not been taken for saving since it last changed */
  dirty: boolean;
}

export interface TimeframeOptions {
  /** higher intervals whose bars are kept */
  barIntervals: readonly HigherInterval[];
  /** those of them with features and signals (each must be in `barIntervals`) */
  featureIntervals: readonly HigherInterval[];
  periods?: Partial<FeaturePeriods>;
}

export const emptyIntervalWrite = (): IntervalWrite => ({ finals: [], forming: [], features: new Map(), signals: new Map() });

/**
 * The higher timeframes, fed by each symbol's committed 1m bars: per symbol and kept interval
 * one session-aware Resampler (core), and for the feature intervals one FeatureEngine over the
 * resampled bars — a completed bar is committed, the forming one replaced every cycle, exactly
 * as the 1m engine does with 1m bars. What a cycle makes collects in one IntervalWrite per
 * interval until `take`, so the per-symbol path allocates only the bars and payloads it emits.
 */
export class TimeframeEngines implements TimeframeStage {
  readonly barIntervals: readonly HigherInterval[];
  readonly featureIntervals: readonly HigherInterval[];
  readonly #slots = new Map<string, TimeframeSlot[]>();
  #pending: IntervalWrite[];
  /** per interval index: symbols whose engine committed a bar since the states were last taken */
  readonly #dirty: Set<string>[];
  /** the payload object every engine's features are written into, encoded and scanned, then overwritten */
  #scratch: Features | undefined;

  constructor(specs: readonly SymbolSpec[], private readonly options: TimeframeOptions) {
    this.barIntervals = options.barIntervals;
    this.featureIntervals = options.featureIntervals;
    for (const iv of options.featureIntervals) {
      if (!options.barIntervals.includes(iv)) throw new RangeError(`feature interval ${iv} is not among the kept intervals`);
    }
    this.#pending = this.barIntervals.map(emptyIntervalWrite);
    this.#dirty = this.barIntervals.map(() => new Set<string>());
    for (const spec of specs) this.#slots.set(spec.symbol, this.barIntervals.map((iv, index) => this.#newSlot(spec, iv, index)));
  }

  #newSlot(spec: SymbolSpec, interval: HigherInterval, index: number): TimeframeSlot {
    const engine = this.featureIntervals.includes(interval)
      ? new FeatureEngine({ session: spec.session, ...(this.options.periods ? { periods: this.options.periods } : {}) })
      : null;
    return { interval, index, resampler: new Resampler({ interval, session: spec.session }), engine, engineTs: Number.NEGATIVE_INFINITY, current: null, shown: false };
  }

  /** A symbol's slots, one per kept interval in `barIntervals` order (warm-up, tests). */
  slots(symbol: string): readonly TimeframeSlot[] | undefined {
    return this.#slots.get(symbol);
  }

  /** Fresh resamplers and engines for a symbol collected again (a shard takeover); warmTimeframes then fills them. */
  reset(spec: SymbolSpec): void {
    this.#slots.set(spec.symbol, this.barIntervals.map((iv, index) => this.#newSlot(spec, iv, index)));
    for (const dirty of this.#dirty) dirty.delete(spec.symbol);
  }

  /** Every slot of a symbol as it stands (the engines' committed state; a forming bar is sent again every cycle). */
  exportSlots(symbol: string): SlotState[] {
    return (this.#slots.get(symbol) ?? []).map((slot) => ({
      acc: slot.resampler.state(),
      engine: slot.engine?.snapshot() ?? null,
      engineTs: slot.engineTs,
      current: slot.current,
      shown: slot.shown,
      dirty: this.#dirty[slot.index]!.has(symbol),
    }));
  }

  /** Continues a symbol from `exportSlots` taken in another thread; its engine states are saved with the next take. */
  importSlots(spec: SymbolSpec, states: readonly SlotState[]): void {
    const slots = this.barIntervals.map((iv, index) => this.#newSlot(spec, iv, index));
    slots.forEach((slot, i) => {
      const s = states[i];
      if (!s) return;
      slot.resampler.restore(s.acc);
      if (slot.engine && s.engine) slot.engine.restore(s.engine);
      slot.engineTs = s.engineTs;
      slot.current = s.current;
      slot.shown = s.shown;
      if (s.dirty) this.#dirty[i]!.add(spec.symbol);
      else this.#dirty[i]!.delete(spec.symbol);
    });
    this.#slots.set(spec.symbol, slots);
  }

  /** Gives a slot a fresh engine (its persisted state was unusable). */
  resetEngine(spec: SymbolSpec, slot: TimeframeSlot): void {
    slot.engine = this.#newSlot(spec, slot.interval, slot.index).engine;
    slot.engineTs = Number.NEGATIVE_INFINITY;
    slot.shown = false;
  }

  update(spec: SymbolSpec, finals: readonly Bar[], forming: Bar | null, wallNow: number): boolean {
    const slots = this.#slots.get(spec.symbol);
    if (!slots || (finals.length === 0 && !forming)) return false;
    let signalled = this.featureIntervals.length > 0;
    for (const slot of slots) {
      const out = this.#pending[slot.index]!;
      let current: Bar | null = null;
      for (const bar of finals) current = this.#feed(slot, bar, out);
      if (forming) current = this.#feed(slot, forming, out);
      if (current) {
        out.forming.push(current);
        slot.current = current;
      }
      const engine = slot.engine;
      if (!engine) continue;
      if (current && current.ts > slot.engineTs) engine.update(current, { final: false });
      else if (slot.engineTs === Number.NEGATIVE_INFINITY) {
        signalled = false; // nothing shown yet: no features to give
        continue;
      }
      slot.shown = true;
      const features = (this.#scratch = engine.features(wallNow, this.#scratch));
      out.features.set(spec.symbol, encodeFeatures(features));
      out.signals.set(spec.symbol, encodeSignal(scan(features, wallNow)));
    }
    return signalled;
  }

  /** What every symbol shows now in every interval, encoded (a refill; see FeatureStage.latest). */
  latest(wallNow: number): Map<HigherInterval, IntervalWrite> {
    const out = new Map<HigherInterval, IntervalWrite>(this.barIntervals.map((iv) => [iv, emptyIntervalWrite()]));
    for (const [symbol, slots] of this.#slots) {
      for (const slot of slots) {
        const w = out.get(slot.interval)!;
        if (slot.current) w.forming.push(slot.current);
        if (!slot.engine || !slot.shown) continue;
        const f = (this.#scratch = slot.engine.features(wallNow, this.#scratch));
        w.features.set(symbol, encodeFeatures(f));
        w.signals.set(symbol, encodeSignal(scan(f, wallNow)));
      }
    }
    return out;
  }

  /** One 1m bar into one interval: a completed bar is emitted and committed; returns the bar now forming. */
  #feed(slot: TimeframeSlot, bar: Bar, out: IntervalWrite): Bar | null {
    const u = slot.resampler.update(bar);
    if (u.completed) {
      out.finals.push(u.completed);
      this.commit(slot, u.completed);
    }
    return u.current;
  }

  /** Commits a completed bar to the slot's engine (if it has one and has not seen it). */
  commit(slot: TimeframeSlot, bar: Bar): void {
    if (!slot.engine || bar.ts <= slot.engineTs) return;
    slot.engine.update(bar, { final: true });
    slot.engineTs = bar.ts;
    this.#dirty[slot.index]!.add(bar.symbol);
  }

  take(states: boolean | number): Map<HigherInterval, IntervalWrite> {
    const limit = states === true ? Number.POSITIVE_INFINITY : Number(states);
    const out = new Map<HigherInterval, IntervalWrite>();
    this.barIntervals.forEach((iv, i) => {
      const w = this.#pending[i]!;
      if (limit > 0 && this.#dirty[i]!.size > 0) {
        w.states = new Map();
        for (const symbol of takeFrom(this.#dirty[i]!, limit)) w.states.set(symbol, this.#state(symbol, i));
      }
      out.set(iv, w);
    });
    this.#pending = this.barIntervals.map(emptyIntervalWrite);
    return out;
  }

  allStates(): Map<HigherInterval, IntervalWrite> {
    const out = new Map<HigherInterval, IntervalWrite>();
    this.barIntervals.forEach((iv, i) => {
      if (!this.featureIntervals.includes(iv)) return;
      const states = new Map<string, Uint8Array>();
      for (const symbol of this.#slots.keys()) states.set(symbol, this.#state(symbol, i));
      out.set(iv, { ...emptyIntervalWrite(), states });
    });
    return out;
  }

  /** Marks an engine's state as changed (it was warmed from history), so the next take saves it. */
  markDirty(symbol: string, slot: TimeframeSlot): void {
    this.#dirty[slot.index]!.add(symbol);
  }

  #state(symbol: string, index: number): Uint8Array {
    return encodeValue(this.#slots.get(symbol)![index]!.engine!.snapshot());
  }
}
