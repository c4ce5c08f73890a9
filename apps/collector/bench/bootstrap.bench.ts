/**
 * Bootstrap benchmark: BENCH_BOOTSTRAP_SYMBOLS (default 100) × BENCH_BOOTSTRAP_DAYS (default 90)
 * of 1m bars from a local fake provider serving the real Polygon /v2/aggs (or, with
 * BENCH_BOOTSTRAP_PROVIDER=twelvedata, /time_series) format, bootstrapped in run's background
 * worker into the same `file:` database a live collector (sim feed, the same symbols, real
 * 1-second ticker, private redis-server) is writing. FX hours: ~5/7 of the minutes hold bars.
 * Prints bars/s end to end (from the plan's first request to its last write: HTTP, JSON,
 * schema, validation, write; the worker's own start is shown apart), bytes per bar on disk,
 * peak RSS, the live cycle's p50/p99/max while the bootstrap runs, and then the retention
 * prune of the oldest day (batch times: the longest a cycle can wait on it).
 *   BENCH_BOOTSTRAP_SYMBOLS=5 BENCH_BOOTSTRAP_DAYS=3 npx tsx bench/bootstrap.bench.ts   (smoke)
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'libsql';
import { DEFAULT_SYMBOL_SPECS } from '@marketpipe/core';
import { startPrivateRedis } from '@marketpipe/testkit';
import { loadConfig } from '../src/config';
import { startCollector } from '../src/collector';
import { createLogger } from '../src/logger';
import { startBackgroundBootstrap } from '../src/bootstrap/background';

const SYMBOLS = Number(process.env.BENCH_BOOTSTRAP_SYMBOLS ?? 100);
const DAYS = Number(process.env.BENCH_BOOTSTRAP_DAYS ?? 90);
const PROVIDER = process.env.BENCH_BOOTSTRAP_PROVIDER === 'twelvedata' ? 'twelvedata' : 'polygon';
const CONCURRENCY = Number(process.env.BENCH_BOOTSTRAP_CONCURRENCY ?? 4);
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'bootstrap-bench-'));
const db = join(dir, 'history.db');
const fx = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'EURUSD')!;
const specs = Array.from({ length: SYMBOLS }, (_, i) => ({ ...fx, symbol: `FX${i}`, brokers: {}, providers: { polygon: `C:FX${i}`, twelvedata: `FX/${i}` } }));
writeFileSync(join(dir, 'symbols.json'), JSON.stringify(specs));

const fakeWorker = new Worker(new URL('./bootstrap-fake.worker.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
const fakeUrl = await new Promise<string>((resolve) => fakeWorker.once('message', resolve));
const redis = await startPrivateRedis();
const shared = {
  SYMBOLS: specs.map((s) => s.symbol).join(','),
  SYMBOLS_FILE: join(dir, 'symbols.json'),
  REDIS_URL: redis.url,
  DATABASE_URL: `file:${db}`,
  RETENTION_DAYS: String(DAYS),
  LOG_LEVEL: 'warn',
};
const cycles: number[] = [];
let bootstrapping = true;
const collector = await startCollector(loadConfig({ ...shared, PROVIDERS: 'sim', BACKFILL_HOURS: '0', COLLECTOR_PORT: '0' }), {
  logger: createLogger('warn'),
  healthServer: false,
  onCycle: (r) => bootstrapping && cycles.push(r.durationMs),
});
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const bootstrapEnv = {
  ...shared,
  PROVIDERS: PROVIDER,
  POLYGON_BASE_URL: fakeUrl,
  POLYGON_API_KEY: 'bench',
  POLYGON_PER_MIN: '1000000',
  TWELVEDATA_BASE_URL: fakeUrl,
  TWELVEDATA_API_KEY: 'bench',
  TWELVEDATA_PER_MIN: '1000000',
  TWELVEDATA_PER_DAY: '100000000',
};
process.stderr.write(`bench: bootstrap of ${SYMBOLS} symbols × ${DAYS} days from a fake ${PROVIDER} beside a live collector…\n`);
const started = performance.now();
const background = startBackgroundBootstrap(bootstrapEnv, createLogger('warn'), { until: Date.now() - 60_000, concurrency: CONCURRENCY });
const result = await background.done;
const seconds = (performance.now() - started) / 1_000;
bootstrapping = false;
clearInterval(sampler);

const batches: number[] = [];
const pruned = await collector.history.prune(Date.now() - (DAYS - 1) * DAY, { onBatch: (ms) => batches.push(ms) });
const rows = await collector.history.count();
await collector.stop();
await redis.stop();
fakeWorker.postMessage('stop');
// Measured with the write-ahead log folded into the file, as it is at rest.
const conn = new Database(db);
conn.exec('PRAGMA wal_checkpoint(TRUNCATE)');
conn.close();
const bytes = statSync(db).size;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const bars = result?.bars ?? 0;
console.table({
  [`${SYMBOLS} symbols × ${DAYS} days, ${PROVIDER} format`]: {
    bars: bars.toLocaleString('en-US'),
    'seconds (worker start to end)': +seconds.toFixed(1),
    'bars/s end to end': Math.round(bars / (result?.seconds ?? NaN)).toLocaleString('en-US'),
    'bytes/bar on disk': +(bytes / Math.max(1, rows + pruned)).toFixed(1),
    'peak RSS MiB': Math.round(peakRss / 2 ** 20),
    cycles: cycles.length,
    'cycle p50 ms': +pct(cycles, 50).toFixed(1),
    'cycle p99 ms': +pct(cycles, 99).toFixed(1),
    'cycle max ms': +pct(cycles, 100).toFixed(1),
  },
});
console.table({
  'prune of the oldest day': {
    rows: pruned.toLocaleString('en-US'),
    batches: batches.length,
    'batch p50 ms': +pct(batches, 50).toFixed(2),
    'batch p99 ms': +pct(batches, 99).toFixed(2),
    'batch max ms': +pct(batches, 100).toFixed(2),
  },
});
if (result?.failed.length) console.error(`symbols that stopped early: ${result.failed.join(', ')}`);
