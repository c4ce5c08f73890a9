// The collector's per-second, per-symbol path: forming update + features() + encodeFeatures
// + scan + encodeSignal, over 2,000 warm engines (1m, 5m and 1h alike), as ns per
// symbol-update, with the bytes it allocates (from V8's GC statistics) and its GC time.
// Run: node_modules/.bin/node --import tsx packages/core/bench/hot-path.bench.ts
// HOT_PATH_CHECK=1 also compares every payload with @msgpack/msgpack's Encoder (slow).
import { Encoder } from '@msgpack/msgpack';
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { GCProfiler } from 'node:v8';
import { encodeFeatures, encodeSignal } from '../src/codec';
import { FeatureEngine } from '../src/features/feature-engine';
import { scan } from '../src/scanner';
import type { SessionSpec } from '../src/session';
import type { Bar, Interval } from '../src/types';

const ENGINES = Number(process.env.HOT_PATH_ENGINES ?? 2_000);
const WARM_BARS = 300;
const SECONDS = 20; // per round: ENGINES × SECONDS updates
const ROUNDS = Number(process.env.HOT_PATH_ROUNDS ?? 9);
const FORMING = { final: false };
const FINAL = { final: true };
const FX: SessionSpec = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
const INTERVALS: Interval[] = ['1m', '5m', '1h'];

function fixtureBars(name: string): Omit<Bar, 'symbol' | 'interval' | 'ts'>[] {
  const text = readFileSync(new URL(`../test-fixtures/${name}.csv`, import.meta.url), 'utf8');
  return text.trim().split('\n').slice(1).map((line) => {
    const [, open, high, low, close, volume] = line.split(',').map(Number) as number[];
    return { open: open!, high: high!, low: low!, close: close!, volume: volume!, source: 'fixture', final: true, filled: false };
  });
}
const real = [...fixtureBars('nq-1m'), ...fixtureBars('eurusd-6e-1m')];
const t0 = Date.UTC(2024, 0, 2);

interface Symbol_ {
  engine: FeatureEngine;
  /** forming bars shown in turn, one a second (the collector's resampler makes one each time) */
  forming: Bar[];
}

const symbols: Symbol_[] = Array.from({ length: ENGINES }, (_, k) => {
  const symbol = `SYM${k.toString(36).toUpperCase()}`;
  const interval = INTERVALS[k % 3]!;
  const from = (k * 37) % (real.length - WARM_BARS - 1);
  const engine = new FeatureEngine({ session: FX });
  // a few engines stay cold: the warming-up branch of scan and the null fields
  const warm = k % 50 === 0 ? 30 : WARM_BARS;
  for (let i = 0; i < warm; i++) engine.update({ ...real[from + i]!, symbol, interval, ts: t0 + i * 60_000 }, FINAL);
  const next = real[from + warm]!;
  const forming = Array.from({ length: 8 }, (_, j): Bar => {
    const close = next.open + (next.close - next.open) * ((j + 1) / 8);
    return { ...next, symbol, interval, ts: t0 + warm * 60_000, close, high: Math.max(next.high, close), low: Math.min(next.low, close), final: false };
  });
  return { engine, forming };
});

let sink = 0;
let wallNow = t0 + 1e9;

function second(): void {
  wallNow += 1_000;
  const j = wallNow / 1_000 % 8;
  for (let k = 0; k < symbols.length; k++) {
    const s = symbols[k]!;
    s.engine.update(s.forming[j]!, FORMING);
    const f = s.engine.features(wallNow);
    sink += encodeFeatures(f).length + encodeSignal(scan(f, wallNow)).length;
  }
}

/** Every engine's payloads against the library's bytes: 8 forming bars, then the last one committed. */
function check(): void {
  const library = new Encoder({ ignoreUndefined: true });
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  let compared = 0;
  for (let t = 0; t < 9; t++) {
    wallNow += 1_000;
    for (const s of symbols) {
      s.engine.update(s.forming[Math.min(t, 7)]!, t < 8 ? FORMING : FINAL);
      const f = s.engine.features(wallNow);
      const sig = scan(f, wallNow);
      if (!same(encodeFeatures(f), library.encode(f)) || !same(encodeSignal(sig), library.encode(sig))) {
        throw new Error(`bytes differ: ${f.symbol} ${f.interval} step ${t}`);
      }
      compared += 2;
    }
  }
  console.log(`identical bytes: ${compared.toLocaleString('en-US')} payloads match @msgpack/msgpack`);
}

let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});

for (let i = 0; i < 30; i++) second(); // JIT warm-up

const times: number[] = [];
const allocated: number[] = [];
const gcTimes: number[] = [];
gcObserver.observe({ entryTypes: ['gc'] });
for (let r = 0; r < ROUNDS; r++) {
  const profiler = new GCProfiler();
  profiler.start();
  const gcBefore = gcMs;
  const startHeap = process.memoryUsage().heapUsed;
  const start = performance.now();
  for (let i = 0; i < SECONDS; i++) second();
  const elapsed = performance.now() - start;
  const endHeap = process.memoryUsage().heapUsed;
  const stats = profiler.stop()!.statistics;
  // allocated = growth between collections + what each collection found before it ran
  let bytes = 0;
  let from = startHeap;
  for (const gc of stats) {
    bytes += gc.beforeGC.heapStatistics.usedHeapSize - from;
    from = gc.afterGC.heapStatistics.usedHeapSize;
  }
  bytes += endHeap - from;
  const updates = ENGINES * SECONDS;
  times.push((elapsed * 1e6) / updates);
  allocated.push(bytes / updates);
  await new Promise((r) => setTimeout(r, 0)); // let the observer deliver this round's GC entries
  gcTimes.push(((gcMs - gcBefore) * 1e6) / updates);
}
gcObserver.disconnect();

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[], unit: string) => `median ${median(xs).toFixed(0)} ${unit} (min ${sorted(xs)[0]!.toFixed(0)}, max ${sorted(xs).at(-1)!.toFixed(0)})`;
console.log(`${ENGINES.toLocaleString('en-US')} engines × ${SECONDS} s × ${ROUNDS} rounds, Node ${process.versions.node}`);
console.log(`time per symbol-update:  ${fmt(times, 'ns')}`);
console.log(`allocated per update:    ${fmt(allocated, 'B')}`);
console.log(`GC per update:           ${fmt(gcTimes, 'ns')}`);
console.log(`(checksum ${sink})`);
if (process.env.HOT_PATH_CHECK) check(); // last: it commits a bar, after which the forming ones are out of order
