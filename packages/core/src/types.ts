/** Interval names the pipeline understands; 1m is the base, higher ones are resampled. */
export type Interval = '1m' | '5m' | '15m' | '30m' | '1h' | '4h' | '1d';

export const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

export const PROVIDER_NAMES = ['sim', 'yahoo', 'alphavantage', 'twelvedata', 'polygon'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** One OHLCV bar; the same shape in core, Redis, libSQL and the API (docs/architecture.md §2). */
export interface Bar {
  symbol: string;
  interval: Interval;
  /** open time, ms since epoch, UTC */
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** provider that served it */
  source: string;
  /** false while the bar is still forming */
  final: boolean;
  /** true when produced by gap filling rather than observed */
  filled: boolean;
}

export interface BollingerValue {
  middle: number | null;
  upper: number | null;
  lower: number | null;
  bandwidth: number | null;
  percentB: number | null;
}

export interface MacdValue {
  macd: number | null;
  signal: number | null;
  histogram: number | null;
}

export interface FeaturePeriods {
  ema: number[];
  rsi: number;
  atr: number;
  momentum: number;
  volumeMa: number;
  bb: [number, number];
  macd: [number, number, number];
}

/** One snapshot of every indicator for a symbol (docs/architecture.md §2). Not-warm values are null. */
export interface Features {
  symbol: string;
  interval: Interval;
  ts: number;
  final: boolean;
  close: number;
  defs: 'talib';
  ema: Record<string, number | null>;
  rsi: number | null;
  atr: number | null;
  momentum: number | null;
  volumeMa: number | null;
  vwap: number | null;
  bb: BollingerValue;
  macd: MacdValue;
  periods: FeaturePeriods;
  warm: boolean;
  computedAt: number;
}

export type SignalSide = 'long' | 'short' | 'flat';

export interface Signal {
  symbol: string;
  side: SignalSide;
  /** 0..1 */
  score: number;
  reasons: string[];
  price: number;
  stop: number | null;
  target: number | null;
  ts: number;
  computedAt: number;
}
