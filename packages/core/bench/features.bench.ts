// Per-bar cost of the FeatureEngine against the fused floor and two libraries, plus the
// payload codec, in one run on the same real bars (docs/architecture.md §8: compare ratios, not ns).
// Run: npm run bench -w @marketpipe/core
import { readFileSync } from 'node:fs';
import { decodeFeatures, encodeFeatures } from '../src/codec';
import { FeatureEngine } from '../src/features/feature-engine';
import type { SessionSpec } from '../src/session';
import type { Bar, Features } from '../src/types';
import { technicalIndicatorsRecompute, tradingSignals } from './competitors';
import { fusedFloor } from './fused-floor';

const FX: SessionSpec = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
const FINAL = { final: true };
const FORMING = { final: false };
const N = 200_000;
const ROUNDS = 7;

function fixtureBars(name: string): Bar[] {
  const text = readFileSync(new URL(`../test-fixtures/${name}.csv`, import.meta.url), 'utf8');
  return text.trim().split('\n').slice(1).map((line) => {
    const [ts, open, high, low, close, volume] = line.split(',').map(Number) as number[];
    return { symbol: 'X', interval: '1m', ts: ts!, open: open!, high: high!, low: low!, close: close!, volume: volume!, source: 'fixture', final: true, filled: false };
  });
}

/** The real NQ and 6E bars, repeated to n, on a regular minute clock so ts only grows. */
const real = [...fixtureBars('nq-1m'), ...fixtureBars('eurusd-6e-1m')];
const t0 = Date.UTC(2024, 0, 2);
const bars: Bar[] = Array.from({ length: N }, (_, i) => ({ ...real[i % real.length]!, ts: t0 + i * 60_000 }));
const window5k = bars.slice(0, 5_000);

let sink = 0;

function engineAdd(): number {
  const e = new FeatureEngine({ session: FX });
  for (let i = 0; i < N; i++) e.update(bars[i]!, FINAL);
  return e.rsi.value + e.bb.percentB;
}

const warmEngine = new FeatureEngine({ session: FX });
for (let i = 0; i < 1_000; i++) warmEngine.update(bars[i]!, FINAL);

function engineForming(): number {
  let check = 0;
  for (let i = 1_000; i < N; i++) {
    warmEngine.update(bars[i]!, FORMING);
    check += warmEngine.rsi.value;
  }
  return check;
}

function engineFeatures(): number {
  let check = 0;
  for (let i = 0; i < N / 4; i++) check += warmEngine.features(i).ts;
  return check;
}

const payload: Features = warmEngine.features(Date.now());
const jsonBytes = new TextEncoder().encode(JSON.stringify(payload)).length;
const msgpackBytes = encodeFeatures(payload).byteLength;
const CODEC_OPS = 20_000;

function jsonRoundTrip(): number {
  let check = 0;
  for (let i = 0; i < CODEC_OPS; i++) check += (JSON.parse(JSON.stringify(payload)) as Features).ts;
  return check;
}

function msgpackRoundTrip(): number {
  let check = 0;
  for (let i = 0; i < CODEC_OPS; i++) check += decodeFeatures(encodeFeatures(payload)).ts;
  return check;
}

interface Case {
  name: string;
  run: () => number;
  /** bars (or operations) one run covers */
  units: number;
  times: number[];
}

const cases: Case[] = [
  { name: 'fused plain-JS floor, 8 indicators', run: () => fusedFloor(bars), units: N },
  { name: 'FeatureEngine.update, final (add)', run: engineAdd, units: N },
  { name: 'FeatureEngine.update, forming', run: engineForming, units: N - 1_000 },
  { name: 'FeatureEngine.features() payload', run: engineFeatures, units: N / 4 },
  { name: 'trading-signals, 8 streaming updates', run: () => tradingSignals(bars.slice(0, 20_000)), units: 20_000 },
  { name: 'technicalindicators, recompute 5,000 bars', run: () => technicalIndicatorsRecompute(window5k), units: 1 },
  { name: `JSON stringify+parse (${jsonBytes} B)`, run: jsonRoundTrip, units: CODEC_OPS },
  { name: `msgpack encode+decode (${msgpackBytes} B)`, run: msgpackRoundTrip, units: CODEC_OPS },
].map((c) => ({ ...c, times: [] }));

// One warm-up pass lets the JIT settle; then the cases take turns, so drift hits all alike.
for (const c of cases) sink += c.run();
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const start = performance.now();
    sink += c.run();
    c.times.push(((performance.now() - start) * 1e6) / c.units);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ns = Object.fromEntries(cases.map((c) => [c.name, median(c.times)]));
const at = (i: number) => ns[cases[i]!.name]!;
const [floor, add, forming, features, ts, ti, json, msgpack] = cases.map((_, i) => at(i));

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} ms` : x >= 1e3 ? `${(x / 1e3).toFixed(2)} µs` : `${x.toFixed(1)} ns`);
const ratio = (x: number) => (x >= 100 ? `${Math.round(x).toLocaleString('en-US')}×` : `${x.toFixed(2)}×`);
const rows: [string, number, string][] = [
  [cases[0]!.name, floor!, `${ratio(floor! / add!)} of engine`],
  [cases[1]!.name, add!, `${ratio(add! / floor!)} floor (budget ≤ 2×)`],
  [cases[2]!.name, forming!, `${ratio(forming! / add!)} of add (budget ≤ 1×)`],
  [cases[3]!.name, features!, `${ratio(features! / add!)} of add`],
  [cases[4]!.name, ts!, `${ratio(ts! / add!)} engine (budget ≥ 10×)`],
  [cases[5]!.name, ti!, `${ratio(ti! / add!)} engine`],
  [cases[6]!.name, json!, `${ratio(json! / msgpack!)} msgpack time`],
  [cases[7]!.name, msgpack!, `${ratio(msgpackBytes / jsonBytes)} JSON bytes`],
];
console.log(`\n${N.toLocaleString('en-US')} real bars (NQ + 6E 1m), median of ${ROUNDS} interleaved rounds, Node ${process.versions.node}\n`);
console.log(`${'case'.padEnd(44)}${'per bar/op'.padStart(12)}   ratio`);
for (const [name, value, note] of rows) console.log(`${name.padEnd(44)}${fmt(value).padStart(12)}   ${note}`);
console.log(`\n(checksum ${sink.toExponential(3)})`);
