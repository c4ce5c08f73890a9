/**
 * One second's Twelve Data batch replies at 5,000 symbols (50 replies of 100 symbols, 2 rows
 * each, the shape and `meta` of test/fixtures/providers/twelvedata/time-series-AAPL-1min.json,
 * as the scale bench's fake provider writes them), made into bars two ways, side by side in
 * alternated rounds: text + JSON.parse + parseTwelveDataBatch (what the fetcher did) against
 * readTwelveDataBatch from the bytes.
 *   cd apps/collector && npx tsx bench/batch-read.bench.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTwelveDataBatch } from '../src/providers/twelvedata-batch-parse';
import { readTwelveDataBatch } from '../src/providers/twelvedata-batch-reader';

const SYMBOLS = 5_000;
const BATCH = 100;
const ROUNDS = 15;
const recordedMeta = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'providers', 'twelvedata', 'time-series-AAPL-1min.json'), 'utf8')) as {
    meta: Record<string, string>;
  }
).meta;
const NOW = Date.UTC(2026, 11, 4, 19, 33, 20);
const utf8 = new TextEncoder();

function reply(symbols: string[]): Uint8Array {
  const body: Record<string, unknown> = {};
  symbols.forEach((symbol, i) => {
    const p = 10 + ((i * 7919) % 5_000);
    const row = (minute: number, k: number) => ({
      datetime: `2026-12-04 19:${minute}:00`,
      open: (p * (1 + k * 1e-4)).toFixed(5),
      high: (p * (1 + k * 3e-4)).toFixed(5),
      low: (p * (1 - k * 2e-4)).toFixed(5),
      close: (p * (1 + k * 2e-4)).toFixed(5),
      volume: String(100 + ((i * 31 + k) % 900)),
    });
    body[symbol] = { meta: { ...recordedMeta, symbol, exchange_timezone: 'UTC' }, values: [row(33, 1), row(32, 2)], status: 'ok' };
  });
  return utf8.encode(JSON.stringify(body));
}

const all = Array.from({ length: SYMBOLS }, (_, i) => `TS${String(i).padStart(5, '0')}`);
const replies: { body: Uint8Array; asked: Map<string, string> }[] = [];
for (let i = 0; i < SYMBOLS; i += BATCH) {
  const symbols = all.slice(i, i + BATCH);
  replies.push({ body: reply(symbols), asked: new Map(symbols.map((s) => [s, s.slice(1)])) });
}
const decoder = new TextDecoder();

/** ms for one second's replies; `sink` keeps the results from being optimised away */
let sink = 0;
function second(bytes: boolean): number {
  const started = performance.now();
  for (const { body, asked } of replies) {
    const out = bytes ? readTwelveDataBatch(body, asked, NOW)! : parseTwelveDataBatch(JSON.parse(decoder.decode(body)), asked, NOW);
    sink += out.size;
  }
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (let i = 0; i < 6; i++) second(i % 2 === 0); // JIT
const parsed: number[] = [];
const read: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  parsed.push(second(false));
  read.push(second(true));
}
const mb = replies.reduce((n, r) => n + r.body.length, 0) / 1e6;
console.table([
  { path: 'text + JSON.parse + parseTwelveDataBatch', medianMs: +median(parsed).toFixed(2), min: +Math.min(...parsed).toFixed(2), max: +Math.max(...parsed).toFixed(2) },
  { path: 'readTwelveDataBatch (bytes)', medianMs: +median(read).toFixed(2), min: +Math.min(...read).toFixed(2), max: +Math.max(...read).toFixed(2) },
]);
console.log(`bytes ÷ JSON.parse: ${(median(read) / median(parsed)).toFixed(2)}× (${SYMBOLS.toLocaleString('en')} symbols, ${mb.toFixed(1)} MB a second; ${sink > 0 ? 'checked' : ''})`);
