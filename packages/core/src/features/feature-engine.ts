import { Atr } from '../indicators/atr';
import type { AtrState } from '../indicators/atr';
import { Bollinger } from '../indicators/bollinger';
import type { BollingerState } from '../indicators/bollinger';
import { Ema } from '../indicators/ema';
import type { EmaState } from '../indicators/ema';
import { IndicatorError } from '../indicators/errors';
import { orNull } from '../indicators/indicator';
import { Macd } from '../indicators/macd';
import type { MacdState } from '../indicators/macd';
import { Momentum } from '../indicators/momentum';
import type { MomentumState } from '../indicators/momentum';
import { Rsi } from '../indicators/rsi';
import type { RsiState } from '../indicators/rsi';
import { Sma } from '../indicators/sma';
import type { SmaState } from '../indicators/sma';
import { Vwap } from '../indicators/vwap';
import type { SessionAnchor, VwapState } from '../indicators/vwap';
import type { SessionSpec } from '../session';
import type { Bar, FeaturePeriods, Features, Interval } from '../types';
import { FeatureEngineError } from './errors';
import { resolvePeriods, samePeriods } from './periods';
import { createSessionAnchor } from './session-anchor';

export interface FeatureEngineOptions {
  /** VWAP anchor: the symbol's session, or a function from a bar's ts to its session start */
  session: SessionSpec | SessionAnchor;
  /** defaults: EMA 9/21/50/200, RSI 14, ATR 14, MOM 10, volume SMA 20, BB 20/2, MACD 12/26/9 */
  periods?: Partial<FeaturePeriods>;
}

export interface UpdateOptions {
  /** false: a forming bar, shown but not committed; default: `bar.final` */
  final: boolean;
}

/** The committed state of an engine: plain numbers, strings and arrays (JSON/msgpack safe). */
export interface FeatureEngineState {
  v: 1;
  periods: FeaturePeriods;
  last: { symbol: string; interval: Interval; ts: number; close: number } | null;
  ema: EmaState[];
  volumeMa: SmaState;
  bb: BollingerState;
  rsi: RsiState;
  atr: AtrState;
  macd: MacdState;
  momentum: MomentumState;
  vwap: VwapState;
}

let lastPeriods: Readonly<FeaturePeriods> | null = null;

/**
 * The engines of a process almost always have the same periods: they then share one frozen
 * object, which the payload writer knows by identity instead of comparing it number by number.
 */
function shared(p: Readonly<FeaturePeriods>): Readonly<FeaturePeriods> {
  if (lastPeriods === null || !samePeriods(lastPeriods, p)) lastPeriods = p;
  return lastPeriods;
}

/**
 * Every indicator of docs/architecture.md §2 for one symbol, updated bar by bar in O(1) without
 * allocating. `update` leaves numeric results in the indicators' fields (NaN = not warm);
 * `features()` builds the payload only when someone needs it. A forming update gives what a
 * batch over the committed bars plus that bar gives and writes no committed state, so any
 * number of them followed by the final bar equal adding the final bar once.
 */
export class FeatureEngine {
  readonly periods: Readonly<FeaturePeriods>;
  readonly ema: readonly Ema[];
  readonly volumeMa: Sma;
  readonly bb: Bollinger;
  readonly rsi: Rsi;
  readonly atr: Atr;
  readonly macd: Macd;
  readonly momentum: Momentum;
  readonly vwap: Vwap;
  /**
   * The EMA keys are integer-like ("200"), which V8 keeps as sparse elements: filling a fresh
   * `{}` with them costs ~4× cloning an object that already has them. They are written by
   * number (`ema[200]`, the same property as `ema["200"]`): V8 converts a string key each time.
   */
  private readonly emaTemplate: Record<string, number | null>;
  // The bar last shown, copied field by field: the caller may reuse its bar object.
  private symbol = '';
  private interval: Interval = '1m';
  private ts = Number.NaN;
  private close = Number.NaN;
  private final = false;
  // The last committed bar, in scalars: an object per final bar would be an allocation.
  private finalTs = Number.NaN;
  private finalClose = Number.NaN;
  private finalSymbol = '';
  private finalInterval: Interval = '1m';

  constructor(options: FeatureEngineOptions) {
    const p = resolvePeriods(options.periods);
    try {
      this.ema = p.ema.map((n) => new Ema(n));
      this.volumeMa = new Sma(p.volumeMa);
      this.bb = new Bollinger(p.bb[0], p.bb[1]);
      this.rsi = new Rsi(p.rsi);
      this.atr = new Atr(p.atr);
      this.macd = new Macd(p.macd[0], p.macd[1], p.macd[2]);
      this.momentum = new Momentum(p.momentum);
    } catch (cause) {
      if (cause instanceof IndicatorError) throw new FeatureEngineError('invalid_options', cause.message, { cause });
      throw cause;
    }
    this.periods = shared(p);
    const s = options.session;
    this.vwap = new Vwap(typeof s === 'function' ? s : createSessionAnchor(s));
    this.emaTemplate = Object.fromEntries(p.ema.map((n) => [n, null]));
  }

  update(bar: Bar, options: UpdateOptions = bar): void {
    const { ts, high, low, close, volume } = bar;
    if (!(Number.isFinite(ts) && Number.isFinite(high) && Number.isFinite(low) && Number.isFinite(close) && Number.isFinite(volume))) {
      throw new FeatureEngineError('non_finite_input', `${bar.symbol} ${ts}: non-finite bar`);
    }
    if (ts <= this.finalTs) {
      throw new FeatureEngineError('out_of_order', `${bar.symbol} ${ts}: not after the last final bar ${this.finalTs}`);
    }
    const final = options.final;
    if (final) {
      for (const e of this.ema) e.add(close);
      this.volumeMa.add(volume);
      this.bb.add(close);
      this.rsi.add(close);
      this.atr.add(bar);
      this.macd.add(close);
      this.momentum.add(close);
      this.vwap.add(bar);
      this.finalTs = ts;
      this.finalClose = close;
      this.finalSymbol = bar.symbol;
      this.finalInterval = bar.interval;
    } else {
      for (const e of this.ema) e.replace(close);
      this.volumeMa.replace(volume);
      this.bb.replace(close);
      this.rsi.replace(close);
      this.atr.replace(bar);
      this.macd.replace(close);
      this.momentum.replace(close);
      this.vwap.replace(bar);
    }
    this.symbol = bar.symbol;
    this.interval = bar.interval;
    this.ts = ts;
    this.close = close;
    this.final = final;
  }

  /** Every indicator past its warm-up (VWAP counts once it has a bar: its null means no volume). */
  get warm(): boolean {
    for (const e of this.ema) if (!e.isStable) return false;
    return (
      this.volumeMa.isStable && this.bb.isStable && this.rsi.isStable && this.atr.isStable &&
      this.macd.isStable && this.momentum.isStable && this.vwap.isStable
    );
  }

  /**
   * The docs/architecture.md §2 payload for the bar last shown. `periods` is shared and frozen.
   * `reuse`, a payload an engine with the same periods made earlier, is overwritten and returned
   * instead of a new one: a hot path that encodes the payload and drops it then allocates
   * nothing (a fresh payload was ~2.9 KB, most of it the EMA keys' sparse elements, promoted by
   * the thousands whenever a scavenge caught a cycle in flight).
   */
  features(computedAt: number, reuse?: Features): Features {
    if (this.ts !== this.ts) throw new FeatureEngineError('no_data', 'features() before any update');
    if (reuse !== undefined && reuse.periods === this.periods) return this.#fill(reuse, computedAt);
    return this.#fill(
      {
        symbol: '',
        interval: '1m',
        ts: 0,
        final: false,
        close: 0,
        defs: 'talib',
        ema: { ...this.emaTemplate },
        rsi: null,
        atr: null,
        momentum: null,
        volumeMa: null,
        vwap: null,
        bb: { middle: null, upper: null, lower: null, bandwidth: null, percentB: null },
        macd: { macd: null, signal: null, histogram: null },
        periods: this.periods,
        warm: false,
        computedAt,
      },
      computedAt,
    );
  }

  #fill(f: Features, computedAt: number): Features {
    const { ema } = f;
    const periods = this.periods.ema;
    for (let i = 0; i < periods.length; i++) ema[periods[i]!] = orNull(this.ema[i]!.value);
    const { bb, macd } = this;
    f.symbol = this.symbol;
    f.interval = this.interval;
    f.ts = this.ts;
    f.final = this.final;
    f.close = this.close;
    f.rsi = orNull(this.rsi.value);
    f.atr = orNull(this.atr.value);
    f.momentum = orNull(this.momentum.value);
    f.volumeMa = orNull(this.volumeMa.value);
    f.vwap = orNull(this.vwap.value);
    f.bb.middle = orNull(bb.middle);
    f.bb.upper = orNull(bb.upper);
    f.bb.lower = orNull(bb.lower);
    f.bb.bandwidth = orNull(bb.bandwidth);
    f.bb.percentB = orNull(bb.percentB);
    f.macd.macd = orNull(macd.macd);
    f.macd.signal = orNull(macd.signal);
    f.macd.histogram = orNull(macd.histogram);
    f.warm = this.warm;
    f.computedAt = computedAt;
    return f;
  }

  /** Committed state only: a forming bar is re-sent every second anyway. */
  snapshot(): FeatureEngineState {
    return {
      v: 1,
      periods: this.periods,
      last:
        this.finalTs === this.finalTs
          ? { symbol: this.finalSymbol, interval: this.finalInterval, ts: this.finalTs, close: this.finalClose }
          : null,
      ema: this.ema.map((e) => e.snapshot()),
      volumeMa: this.volumeMa.snapshot(),
      bb: this.bb.snapshot(),
      rsi: this.rsi.snapshot(),
      atr: this.atr.snapshot(),
      macd: this.macd.snapshot(),
      momentum: this.momentum.snapshot(),
      vwap: this.vwap.snapshot(),
    };
  }

  restore(state: FeatureEngineState): void {
    if (state?.v !== 1 || !samePeriods(this.periods, state.periods) || state.ema.length !== this.ema.length) {
      throw new FeatureEngineError('invalid_snapshot', 'engine snapshot does not fit these periods');
    }
    try {
      this.ema.forEach((e, i) => e.restore(state.ema[i]!));
      this.volumeMa.restore(state.volumeMa);
      this.bb.restore(state.bb);
      this.rsi.restore(state.rsi);
      this.atr.restore(state.atr);
      this.macd.restore(state.macd);
      this.momentum.restore(state.momentum);
      this.vwap.restore(state.vwap);
    } catch (cause) {
      this.reset();
      throw new FeatureEngineError('invalid_snapshot', 'engine snapshot is damaged', { cause });
    }
    const last = state.last;
    this.symbol = this.finalSymbol = last?.symbol ?? '';
    this.interval = this.finalInterval = last?.interval ?? '1m';
    this.ts = this.finalTs = last?.ts ?? Number.NaN;
    this.close = this.finalClose = last?.close ?? Number.NaN;
    this.final = last !== null;
  }

  reset(): void {
    for (const e of this.ema) e.reset();
    for (const ind of [this.volumeMa, this.bb, this.rsi, this.atr, this.macd, this.momentum, this.vwap]) ind.reset();
    this.symbol = this.finalSymbol = '';
    this.ts = this.close = this.finalTs = this.finalClose = Number.NaN;
    this.final = false;
  }
}
