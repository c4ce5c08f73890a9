import { createClient } from 'redis';
import { DEFAULT_SYMBOL_SPECS, encodeBar, encodeFeatures, encodeSeen, encodeSignal, INTERVAL_MS, redisKeys, type Bar, type Features, type Signal } from '@marketpipe/core';

import type { IntervalFixture } from '../context';

const buf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * A store whose collector computes features and signals for 1m and 5m only, written by hand in
 * the layout of docs/architecture.md §4 with core's codec and key helpers, so the Worker's
 * per-interval reads (and its 404 for an interval not computed) are checked against the key
 * contract itself, independently of the collector's resampler.
 */
export async function writeIntervalFixture(redisUrl: string, prefix: string, now = Date.now()): Promise<IntervalFixture> {
  const keys = redisKeys(prefix);
  const start = now - (now % INTERVAL_MS['5m']);
  const bar = (i: number, final: boolean): Bar => {
    const open = 1.08 + i / 10_000;
    return { symbol: 'EURUSD', interval: '5m', ts: start - (3 - i) * INTERVAL_MS['5m'], open, high: open + 0.0004, low: open - 0.0003, close: open + 0.0001, volume: 0, source: 'sim', final, filled: false };
  };
  const bars5m = [bar(0, true), bar(1, true), bar(2, true), bar(3, false)];
  const features = (interval: '1m' | '5m'): Features => ({
    symbol: 'EURUSD', interval, ts: start, final: false, close: 1.0804, defs: 'talib',
    ema: { '9': 1.0803, '21': 1.0801, '50': null, '200': null },
    rsi: 61.5, atr: 0.0007, momentum: 0.0003, volumeMa: null, vwap: null,
    bb: { middle: 1.0802, upper: 1.081, lower: 1.0794, bandwidth: 0.0015, percentB: 0.63 },
    macd: { macd: null, signal: null, histogram: null },
    periods: { ema: [9, 21, 50, 200], rsi: 14, atr: 14, momentum: 10, volumeMa: 20, bb: [20, 2], macd: [12, 26, 9] },
    warm: false, computedAt: now,
  });
  const signal = (score: number): Signal => ({ symbol: 'EURUSD', side: 'long', score, reasons: ['ema9>ema21'], price: 1.0804, stop: 1.0797, target: null, ts: start, computedAt: now });
  const features5m = features('5m');
  const signal5m = signal(0.55);

  const redis = createClient({ url: redisUrl });
  await redis.connect();
  try {
    await redis
      .multi()
      .set(keys.symbols, JSON.stringify(DEFAULT_SYMBOL_SPECS.filter((s) => s.symbol === 'EURUSD')))
      .hSet(keys.seen, 'EURUSD', encodeSeen(now))
      .hSet(keys.featuresOf('1m'), 'EURUSD', buf(encodeFeatures(features('1m'))))
      .hSet(keys.signalsOf('1m'), 'EURUSD', buf(encodeSignal(signal(0.7))))
      .hSet(keys.featuresOf('5m'), 'EURUSD', buf(encodeFeatures(features5m)))
      .hSet(keys.signalsOf('5m'), 'EURUSD', buf(encodeSignal(signal5m)))
      .zAdd(keys.bars('EURUSD', '5m'), bars5m.filter((b) => b.final).map((b) => ({ score: b.ts, value: buf(encodeBar(b)) })))
      .hSet(keys.formingOf('5m'), 'EURUSD', buf(encodeBar(bars5m.at(-1)!)))
      .exec();
  } finally {
    await redis.close();
  }
  return { bars5m, features5m, signal5m };
}
