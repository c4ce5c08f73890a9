/**
 * Collector cycle benchmark (docs/architecture.md §8): N symbols (default 5,000) on the real 1-second
 * ticker against a private redis-server and a libSQL file, with the in-process sim feed as
 * the provider. Prints cycle-time percentiles, overruns and history transactions.
 *   BENCH_SYMBOLS=5000 BENCH_SECONDS=60 npm run bench -w @marketpipe/collector
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SYMBOL_SPECS } from '@marketpipe/core';
import { startPrivateRedis } from '@marketpipe/testkit';
import { loadConfig } from '../src/config';
import { startCollector } from '../src/collector';
import { createLogger } from '../src/logger';
import type { CycleReport } from '../src/orchestrator';

const symbols = Number(process.env.BENCH_SYMBOLS ?? 5_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);

const dir = mkdtempSync(join(tmpdir(), 'marketpipe-bench-'));
const specs = Array.from({ length: symbols }, (_, i) => {
  const base = DEFAULT_SYMBOL_SPECS[i % DEFAULT_SYMBOL_SPECS.length]!;
  return { ...base, symbol: `${base.symbol.slice(0, 3)}${i}`, brokers: {} };
});
writeFileSync(join(dir, 'symbols.json'), JSON.stringify(specs));
const redis = await startPrivateRedis();
const config = loadConfig({
  PROVIDERS: 'sim',
  SYMBOLS: specs.map((s) => s.symbol).join(','),
  SYMBOLS_FILE: join(dir, 'symbols.json'),
  REDIS_URL: redis.url,
  DATABASE_URL: `file:${join(dir, 'history.db')}`,
  BACKFILL_HOURS: '0',
  FETCH_CONCURRENCY: '64',
  LOG_LEVEL: 'warn',
});
const reports: CycleReport[] = [];
const collector = await startCollector(config, {
  logger: createLogger('warn'),
  healthServer: false,
  onCycle: (r) => reports.push(r),
});
process.stderr.write(`bench: ${symbols} symbols for ${seconds} s…\n`);
await new Promise((r) => setTimeout(r, seconds * 1_000));
await collector.stop();
await redis.stop();

const sorted = reports.map((r) => r.durationMs).sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const overruns = (await collector.metrics.overruns.get()).values[0]?.value ?? 0;
const tx = (await collector.metrics.historyTransactions.get()).values[0]?.value ?? 0;
const finals = reports.reduce((n, r) => n + r.finals, 0);
console.table({
  symbols,
  cycles: reports.length,
  'p50 ms': +pct(50).toFixed(1),
  'p99 ms': +pct(99).toFixed(1),
  'max ms': +(sorted.at(-1) ?? NaN).toFixed(1),
  overruns,
  'final bars': finals,
  'history tx': tx,
  'tx per 1,000 final bars (vs 1,000 unbatched)': finals ? +((tx / finals) * 1000).toFixed(2) : 0,
});
