/**
 * History ingest benchmark: the same bars upserted into fresh `file:` databases through the
 * native driver (what the collector uses for local files) and through @libsql/client +
 * drizzle (what it uses for libsql:// remotes), side by side in one run, in 50,000-bar
 * transactions as a bootstrap writes them. Validation is included (core validateBars), as in
 * the ingest path. BENCH_INGEST_SYMBOLS × BENCH_INGEST_BARS bars (default 100 × 4,000);
 * BENCH_ROUNDS rounds (default 3); prints rows/s per round and the ratio.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateBars, type Bar } from '@marketpipe/core';
import { LibsqlHistoryStore } from '../src/history/libsql-history-store';

const SYMBOLS = Number(process.env.BENCH_INGEST_SYMBOLS ?? 100);
const PER_SYMBOL = Number(process.env.BENCH_INGEST_BARS ?? 4_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TX = 50_000;
const T0 = Date.UTC(2026, 0, 5);

function series(symbol: number): Bar[] {
  let close = 100 + symbol;
  return Array.from({ length: PER_SYMBOL }, (_, i) => {
    const open = close;
    close = open * (1 + Math.sin(i * 12.9898 + symbol) * 0.001);
    return { symbol: `SYM${symbol}`, interval: '1m', ts: T0 + i * 60_000, open, high: Math.max(open, close) * 1.0002, low: Math.min(open, close) * 0.9998, close, volume: 10 + (i % 7), source: 'sim', final: true, filled: false };
  });
}

async function run(native: boolean, bars: Bar[][]): Promise<{ rowsPerSec: number; bytesPerBar: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-bench-'));
  const store = await LibsqlHistoryStore.open({ url: `file:${join(dir, 'h.db')}`, nativeWrites: native });
  const started = performance.now();
  let rows = 0;
  let batch: Bar[] = [];
  for (const s of bars) {
    const { accepted } = validateBars(s, { now: Date.now() + 86_400_000 * 400 });
    for (const b of accepted) {
      batch.push(b);
      if (batch.length === TX) {
        await store.write(batch);
        rows += batch.length;
        batch = [];
      }
    }
  }
  await store.write(batch);
  rows += batch.length;
  const seconds = (performance.now() - started) / 1_000;
  await store.close();
  const bytes = statSync(join(dir, 'h.db')).size;
  rmSync(dir, { recursive: true, force: true });
  return { rowsPerSec: rows / seconds, bytesPerBar: bytes / rows };
}

const bars = Array.from({ length: SYMBOLS }, (_, i) => series(i));
console.log(`history ingest: ${SYMBOLS} symbols × ${PER_SYMBOL} bars = ${(SYMBOLS * PER_SYMBOL).toLocaleString()} bars, ${TX.toLocaleString()}-bar transactions`);
console.log('round | native bars/s | @libsql/client bars/s | native ÷ client | bytes/bar on disk');
for (let r = 1; r <= ROUNDS; r++) {
  const native = await run(true, bars);
  const client = await run(false, bars);
  console.log(
    `${r} | ${Math.round(native.rowsPerSec).toLocaleString()} | ${Math.round(client.rowsPerSec).toLocaleString()} | ${(native.rowsPerSec / client.rowsPerSec).toFixed(1)}× | ${native.bytesPerBar.toFixed(0)}`,
  );
}
