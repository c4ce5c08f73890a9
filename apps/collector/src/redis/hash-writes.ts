import { encodeBar, type Bar, type Interval, type RedisKeys } from '@marketpipe/core';
import type { IntervalWrite } from '../ports';
import type { RespBuffer } from './resp-buffer';

/** One HSET of symbol → value for every entry (none when empty). */
export function hset(out: RespBuffer, key: string, values: ReadonlyMap<string, Uint8Array>): void {
  if (values.size === 0) return;
  out.command(2 + 2 * values.size, 'HSET').string(key);
  for (const [symbol, value] of values) out.string(symbol).bulk(value);
}

/** One HSET of symbol → encoded bar for every bar (none when empty). */
export function hsetBars(out: RespBuffer, key: string, bars: readonly Bar[]): void {
  if (bars.length === 0) return;
  out.command(2 + 2 * bars.length, 'HSET').string(key);
  for (const bar of bars) out.string(bar.symbol).bulk(encodeBar(bar));
}

/** A higher interval's per-symbol values (forming bars, features, signals, states): one HSET per hash, whichever thread encodes them. */
export function intervalHashes(out: RespBuffer, keys: RedisKeys, interval: Interval, w: IntervalWrite): void {
  hsetBars(out, keys.formingOf(interval), w.forming);
  hset(out, keys.featuresOf(interval), w.features);
  hset(out, keys.signalsOf(interval), w.signals);
  if (w.states) hset(out, keys.stateOf(interval), w.states);
}
