import type { Bar, Clock, SymbolSpec } from '@marketpipe/core';
import { floorTo } from '@marketpipe/core';
import type { BarFetcher, FetchRange, FetchResult } from '../types';
import { fractalNoise, hash32, stringHash, type Octave } from './noise';

const MINUTE = 60_000;

/** Volatility by asset class, in log-return units per octave (roughly real intraday ranges). */
const OCTAVES: Record<SymbolSpec['assetClass'], Octave[]> = {
  fx: scale(1),
  metal: scale(2),
  index: scale(2.5),
  crypto: scale(6),
  equity: scale(3),
};

function scale(k: number): Octave[] {
  return [
    { period: 86_400, amplitude: 0.004 * k },
    { period: 7_200, amplitude: 0.0015 * k },
    { period: 600, amplitude: 0.0006 * k },
    { period: 60, amplitude: 0.00025 * k },
    { period: 7, amplitude: 0.00006 * k },
  ];
}

const BASE_VOLUME: Record<SymbolSpec['assetClass'], number> = { fx: 40, metal: 25, index: 60, crypto: 15, equity: 80 };

/**
 * The `sim` provider: a seedable, deterministic feed at realistic levels that serves history
 * and the live bar alike, on a shared (possibly sped-up) clock. It trades around the clock so
 * the demo works at any hour; session rules are applied downstream like for any provider.
 */
export class SimFetcher implements BarFetcher {
  readonly name = 'sim' as const;
  readonly historyLimitMs = 400 * 86_400_000;
  readonly #seed: number;
  readonly #clock: Clock;

  constructor({ seed, clock }: { seed: number; clock: Clock }) {
    this.#seed = seed;
    this.#clock = clock;
  }

  supports(): boolean {
    return true;
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange): Promise<FetchResult> {
    return { bars: this.barsSync(spec, range), rejects: [] };
  }

  /** Bars with open time in [from, to], up to the clock's present (the last one forming). */
  barsSync(spec: SymbolSpec, range: FetchRange): Bar[] {
    const now = this.#clock.now();
    const current = floorTo(now, MINUTE);
    const last = Math.min(floorTo(range.to, MINUTE), current);
    const bars: Bar[] = [];
    for (let ts = Math.ceil(range.from / MINUTE) * MINUTE; ts <= last; ts += MINUTE) {
      bars.push(this.bar(spec, ts, ts === current ? now : ts + MINUTE - 1));
    }
    return bars;
  }

  /** The bar opening at `ts`, built from its seconds up to `upTo` (ms). */
  bar(spec: SymbolSpec, ts: number, upTo: number): Bar {
    const key = stringHash(spec.symbol);
    const octaves = OCTAVES[spec.assetClass];
    const p = 10 ** spec.precision;
    const price = (sec: number) => Math.round(spec.basePrice * Math.exp(fractalNoise(this.#seed, key, octaves, sec)) * p) / p;
    const firstSec = ts / 1000;
    const lastSec = Math.min(firstSec + 59, Math.floor(upTo / 1000));
    const open = price(firstSec - 1);
    let high = open;
    let low = open;
    let close = open;
    let volume = 0;
    const baseVolume = BASE_VOLUME[spec.assetClass];
    for (let s = firstSec; s <= lastSec; s++) {
      close = price(s);
      if (close > high) high = close;
      if (close < low) low = close;
      volume += hash32(this.#seed, key, 99, s) % baseVolume;
    }
    const final = lastSec === firstSec + 59;
    return { symbol: spec.symbol, interval: '1m', ts, open, high, low, close, volume, source: 'sim', final, filled: false };
  }
}
