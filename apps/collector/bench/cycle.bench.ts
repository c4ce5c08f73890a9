/**
 * Collector cycle benchmark (docs/architecture.md §8): N symbols (default 5,000) on the real 1-second
 * ticker against a private redis-server and a libSQL file, with the in-process sim feed as
 * the provider. Runs twice in one process, side by side: 1m only (BAR_INTERVALS empty,
 * FEATURE_INTERVALS=1m), then the default timeframes (bars 5m..1d, features 1m,5m,1h). Prints
 * cycle-time percentiles, overruns, history transactions, and bar-arrival → signal-written
 * latency (p50/p99, read from the /metrics histogram's buckets as Prometheus would). The first
 * BENCH_WARMUP_CYCLES cycles of each run (default 5: start-up, JIT) are left out of all of it.
 *   BENCH_SYMBOLS=5000 BENCH_SECONDS=60 npm run bench -w @marketpipe/collector
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SYMBOL_SPECS } from '@marketpipe/core';
import { startPrivateRedis } from '@marketpipe/testkit';
import { ConfigSchema, loadConfig } from '../src/config';
import { startCollector } from '../src/collector';
import { createLogger } from '../src/logger';
import type { CycleReport } from '../src/orchestrator';
import type { CollectorMetrics } from '../src/metrics';

const symbols = Number(process.env.BENCH_SYMBOLS ?? 5_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const warmup = Number(process.env.BENCH_WARMUP_CYCLES ?? 5);

const dir = mkdtempSync(join(tmpdir(), 'marketpipe-bench-'));
const specs = Array.from({ length: symbols }, (_, i) => {
  const base = DEFAULT_SYMBOL_SPECS[i % DEFAULT_SYMBOL_SPECS.length]!;
  return { ...base, symbol: `${base.symbol.slice(0, 3)}${i}`, brokers: {} };
});
writeFileSync(join(dir, 'symbols.json'), JSON.stringify(specs));
const defaults = ConfigSchema.parse({});
const runs = [
  { name: '1m only', BAR_INTERVALS: '', FEATURE_INTERVALS: '1m' },
  { name: 'default timeframes', BAR_INTERVALS: defaults.BAR_INTERVALS.join(','), FEATURE_INTERVALS: defaults.FEATURE_INTERVALS.join(',') },
];

const redis = await startPrivateRedis();
const results: Record<string, Record<string, number | string>> = {};
for (const [i, run] of runs.entries()) {
  const config = loadConfig({
    PROVIDERS: 'sim',
    SYMBOLS: specs.map((s) => s.symbol).join(','),
    SYMBOLS_FILE: join(dir, 'symbols.json'),
    REDIS_URL: redis.url,
    REDIS_PREFIX: `bench${i}:`,
    DATABASE_URL: `file:${join(dir, `history-${i}.db`)}`,
    BACKFILL_HOURS: '0',
    FETCH_CONCURRENCY: '64',
    LOG_LEVEL: 'warn',
    BAR_INTERVALS: run.BAR_INTERVALS,
    FEATURE_INTERVALS: run.FEATURE_INTERVALS,
  });
  const reports: CycleReport[] = [];
  let atWarm: Promise<Map<number, number>> | undefined;
  const collector = await startCollector(config, {
    logger: createLogger('warn'),
    healthServer: false,
    onCycle: (r) => {
      if (r.cycle === warmup) atWarm = latencyBuckets(collector.metrics);
      else if (r.cycle > warmup) reports.push(r);
    },
  });
  process.stderr.write(`bench: ${run.name}: ${symbols} symbols for ${seconds} s…\n`);
  await new Promise((r) => setTimeout(r, seconds * 1_000));
  await collector.stop();
  results[run.name] = await summary(run, reports, collector.metrics, (await atWarm) ?? new Map());
}
await redis.stop();
console.table(results);

async function summary(run: (typeof runs)[number], reports: CycleReport[], metrics: CollectorMetrics, atWarm: Map<number, number>) {
  const sorted = reports.map((r) => r.durationMs).sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  const overruns = (await metrics.overruns.get()).values[0]?.value ?? 0;
  const tx = (await metrics.historyTransactions.get()).values[0]?.value ?? 0;
  const finals = reports.reduce((n, r) => n + r.finals, 0);
  const latency = signalLatency(await latencyBuckets(metrics), atWarm);
  return {
    intervals: `bars ${run.BAR_INTERVALS || '1m'}; features ${run.FEATURE_INTERVALS}`,
    symbols,
    cycles: reports.length,
    'cycle p50 ms': +pct(50).toFixed(1),
    'cycle p99 ms': +pct(99).toFixed(1),
    'cycle max ms': +(sorted.at(-1) ?? NaN).toFixed(1),
    overruns,
    'signals timed': latency.count,
    'signal p50 ms': latency.p50,
    'signal p99 ms': latency.p99,
    'final 1m bars': finals,
    'history tx': tx,
  };
}

/** The latency histogram's cumulative bucket counts, all signal intervals together (le → count). */
async function latencyBuckets(metrics: CollectorMetrics): Promise<Map<number, number>> {
  const buckets = new Map<number, number>();
  for (const v of (await metrics.signalSeconds.get()).values) {
    if (v.metricName !== 'marketpipe_signal_latency_seconds_bucket') continue;
    const le = Number((v.labels as Record<string, string | number>).le);
    buckets.set(le, (buckets.get(le) ?? 0) + v.value);
  }
  return buckets;
}

/** Bar arrival → signal written since the warm-up: quantiles interpolated within the buckets, as histogram_quantile does. */
function signalLatency(buckets: Map<number, number>, atWarm: Map<number, number>) {
  const bounds = [...buckets].map(([le, n]): [number, number] => [le, n - (atWarm.get(le) ?? 0)]).sort(([a], [b]) => a - b);
  const count = bounds.at(-1)?.[1] ?? 0;
  const quantile = (q: number) => {
    const rank = q * count;
    let [prevLe, prevCount] = [0, 0];
    for (const [le, cumulative] of bounds) {
      if (cumulative >= rank) {
        if (!Number.isFinite(le)) return `> ${prevLe * 1000}`;
        return +((prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, cumulative - prevCount)) * 1000).toFixed(1);
      }
      [prevLe, prevCount] = [le, cumulative];
    }
    return NaN;
  };
  return { count, p50: count ? quantile(0.5) : NaN, p99: count ? quantile(0.99) : NaN };
}
