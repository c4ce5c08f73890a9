/**
 * The sorted-set writes of an hour boundary at 5,000 symbols (5m, 15m, 30m and 1h complete at
 * once: 20,000 final bars) as the timeframe thread encodes them, for keys this writer has not
 * written yet (the first hour after a start) with and without BarSets.prepare done beforehand
 * at start-up, side by side, 7 alternated rounds:
 *   cd apps/collector && npx tsx bench/first-boundary.bench.ts
 */
import { redisKeys, type Bar, type Interval } from '@marketpipe/core';
import { BarSets } from '../src/redis/bar-sets';
import { RespBuffer } from '../src/redis/resp-buffer';

const SYMBOLS = 5_000;
const ROUNDS = 7;
const intervals: Interval[] = ['5m', '15m', '30m', '1h'];
const symbols = Array.from({ length: SYMBOLS }, (_, i) => `S${String(i).padStart(5, '0')}`);
const HOUR = Date.UTC(2026, 11, 4, 17);
const LENGTH: Record<string, number> = { '5m': 5, '15m': 15, '30m': 30, '1h': 60 };
const finals: Bar[] = intervals.flatMap((interval) =>
  symbols.map((symbol, i) => {
    const c = 100 + (i % 50);
    return { symbol, interval, ts: HOUR - LENGTH[interval]! * 60_000, open: c, high: c + 1, low: c - 1, close: c, volume: 10, final: true, filled: false, source: 'bench' };
  }),
);
const keys = redisKeys('md:v1:');

/** ms to encode the boundary's writes on a writer that has not written these keys yet, prepared at start-up or not. */
function boundary(prepared: boolean): number {
  const strings = new Map<string, Uint8Array>();
  const sets = new BarSets(keys);
  if (prepared) sets.prepare(new RespBuffer(1 << 10, strings), symbols, intervals);
  const out = new RespBuffer(1 << 20, strings);
  const started = performance.now();
  sets.upsert(out, finals);
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (let i = 0; i < 3; i++) boundary(i % 2 === 0); // JIT
const cold: number[] = [];
const ready: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  cold.push(boundary(false));
  ready.push(boundary(true));
}
console.table([
  { keys: 'first seen in the boundary', medianMs: +median(cold).toFixed(1), rounds: cold.map((x) => +x.toFixed(1)).join(' ') },
  { keys: 'prepared at start-up', medianMs: +median(ready).toFixed(1), rounds: ready.map((x) => +x.toFixed(1)).join(' ') },
]);
console.log(`prepared ÷ cold: ${(median(ready) / median(cold)).toFixed(2)}× (${finals.length.toLocaleString('en')} final bars)`);
