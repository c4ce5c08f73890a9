import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createClient as createLibsql } from '@libsql/client';
import { startPrivateRedis } from '@marketpipe/testkit';
import { loadConfig } from '../../src/config';
import { startCollector } from '../../src/collector';
import { TimeframeThread } from '../../src/features/timeframe-thread';
import { createLogger } from '../../src/logger';
import type { CycleReport } from '../../src/orchestrator';
import type { BarSource } from '../../src/ports';
import { buildSources } from '../../src/sources';
import { perCycle, redisCounters } from './redis-stats';

const MINUTE = 60_000;
/** the first cycles warm the JIT and the connection pool; they are run but not measured */
const WARMUP_CYCLES = 3;

export interface ScaleOptions {
  symbols: number;
  seconds: number;
  providerUrl: string;
  apiKey: string;
  /** symbols per provider request */
  batchSize: number;
  /** collector settings passed through (BAR_INTERVALS, FEATURE_INTERVALS, PROVIDER_TIMEOUT_MS…) */
  env?: Record<string, string>;
  /** CPU ms the fake provider's process has used so far (it shares the machine) */
  providerCpuMs?: () => number;
}

export type ScaleResult = Awaited<ReturnType<typeof runScale>>;

/** Bench symbols: 24-hour FX-like sessions, each with its own Twelve Data name. */
function benchSpecs(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const symbol = `S${String(i).padStart(5, '0')}`;
    return {
      symbol,
      assetClass: 'fx' as const,
      precision: 5,
      session: { timezone: 'UTC', open: '00:00', close: '00:00' },
      basePrice: 100,
      providers: { twelvedata: `T${symbol}` },
      brokers: {},
    };
  });
}

const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const round = (x: number, digits = 1) => +x.toFixed(digits);

/** Final bars missing from history for the minutes every cycle of the run could see completed. */
async function lostBars(dbUrl: string, symbols: number, firstMinute: number, lastFinalMinute: number): Promise<{ lost: number; expected: number }> {
  const minutes = lastFinalMinute >= firstMinute ? (lastFinalMinute - firstMinute) / MINUTE + 1 : 0;
  const db = createLibsql({ url: dbUrl });
  try {
    const rs = await db.execute({ sql: 'SELECT count(*) AS n FROM bars WHERE ts >= ? AND ts <= ?', args: [firstMinute, lastFinalMinute] });
    const have = Number(rs.rows[0]?.n ?? 0);
    return { lost: symbols * minutes - have, expected: symbols * minutes };
  } finally {
    db.close();
  }
}

/**
 * One run: the real collector (its provider chain asking Twelve Data in batches, features and signals on) against a
 * private redis-server and a fresh libSQL file, polling the fake provider over HTTP once a
 * second for `seconds`.
 */
export async function runScale(o: ScaleOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'marketpipe-scale-'));
  const specs = benchSpecs(o.symbols);
  writeFileSync(join(dir, 'symbols.json'), JSON.stringify(specs));
  const redis = await startPrivateRedis();
  const dbUrl = `file:${join(dir, 'history.db')}`;
  const config = loadConfig({
    PROVIDERS: 'twelvedata',
    SYMBOLS: specs.map((s) => s.symbol).join(','),
    SYMBOLS_FILE: join(dir, 'symbols.json'),
    REDIS_URL: redis.url,
    DATABASE_URL: dbUrl,
    BACKFILL_HOURS: '0',
    BOOTSTRAP_ON_RUN: 'false',
    // every batch of a cycle in flight at once
    FETCH_CONCURRENCY: String(Math.ceil(o.symbols / o.batchSize)),
    TWELVEDATA_BASE_URL: o.providerUrl,
    TWELVEDATA_API_KEY: o.apiKey,
    TWELVEDATA_BATCH_SYMBOLS: String(o.batchSize),
    // credits for every symbol every second (a plan this size is Twelve Data's to sell; the bench measures the collector)
    TWELVEDATA_PER_MIN: String(o.symbols * 120),
    TWELVEDATA_PER_DAY: String(o.symbols * 200_000),
    LOG_LEVEL: 'warn',
    ...o.env,
  });
  /** each cycle's report, the second of the minute it ended in, and how long its poll took */
  const reports: (CycleReport & { endedAt: number; second: number; answeredMs: number })[] = [];
  /** the last poll: from asking until every answer was in and ingested (the rest of a cycle computes and writes) */
  let answeredMs = Number.NaN;
  const rssBefore = process.memoryUsage().rss;
  const collector = await startCollector(config, {
    logger: createLogger('warn'),
    healthServer: false,
    onCycle: (r) => {
      const endedAt = Date.now();
      reports.push({ ...r, endedAt, second: new Date(endedAt).getUTCSeconds(), answeredMs });
    },
    sources: async (ctx) => {
      // the collector's own providers layer (ProviderChain: batches, quota in Redis, breaker), timed
      const built = await buildSources(ctx);
      const chain = built.chain!;
      const timed: BarSource = {
        fetch: (spec, range) => chain.fetch(spec, range),
        fetchEach: async (items, deliver, concurrency) => {
          const started = performance.now();
          await chain.fetchEach(items, deliver, concurrency);
          answeredMs = performance.now() - started;
        },
      };
      return { ...built, source: timed };
    },
  });
  while (reports.length < WARMUP_CYCLES) await new Promise((r) => setTimeout(r, 50));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const redisBefore = await redisCounters(redis.url);
  const cpuBefore = process.cpuUsage();
  const providerCpuBefore = o.providerCpuMs?.() ?? 0;
  const eluBefore = performance.eventLoopUtilization();
  const thread = collector.timeframes instanceof TimeframeThread ? collector.timeframes : undefined;
  const threadEluBefore = thread?.utilization();
  // one observation per provider request (a batch is one)
  const requestsSoFar = async () =>
    (await collector.metrics.providerSeconds.get()).values.find((v) => v.metricName?.endsWith('_count') && v.labels.provider === 'twelvedata')?.value ?? 0;
  const requestsBefore = await requestsSoFar();
  const overrunCount = async () => (await collector.metrics.overruns.get()).values[0]?.value ?? 0;
  // the warm-up cycles (JIT, first connections) are left out of the overruns as of the percentiles
  const overrunsBefore = await overrunCount();
  const measuredFrom = reports.length;
  const firstMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
  await new Promise((r) => setTimeout(r, o.seconds * 1_000));
  const measured = reports.slice(measuredFrom);
  const cpu = process.cpuUsage(cpuBefore);
  const providerCpu = (o.providerCpuMs?.() ?? 0) - providerCpuBefore;
  const elu = performance.eventLoopUtilization(eluBefore);
  const threadBusyMs = thread && threadEluBefore ? thread.utilization().active - threadEluBefore.active : undefined;
  const redisAfter = await redisCounters(redis.url);
  loop.disable();
  const rss = process.memoryUsage().rss;
  const overruns = (await overrunCount()) - overrunsBefore;
  const requests = (await requestsSoFar()) - requestsBefore;
  await collector.stop();
  await redis.stop();
  // The minutes the last measured cycle could commit: those before the one it started in. Stopping just after a
  // minute ends, before any cycle has polled since, would otherwise count that minute as lost.
  const lastStarted = measured.length > 0 ? measured.at(-1)!.endedAt - measured.at(-1)!.durationMs : firstMinute;
  const lastFinalMinute = Math.floor(lastStarted / MINUTE) * MINUTE - MINUTE;
  const lost = await lostBars(dbUrl, o.symbols, firstMinute, lastFinalMinute);
  rmSync(dir, { recursive: true, force: true });

  const sorted = measured.map((r) => r.durationMs).sort((a, b) => a - b);
  const answered = measured.map((r) => r.answeredMs).sort((a, b) => a - b);
  const cycles = measured.length;
  return {
    symbols: o.symbols,
    seconds: o.seconds,
    cycles,
    p50Ms: round(pct(sorted, 50)),
    p99Ms: round(pct(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    /** the cycles that committed a minute's final bars (every symbol's at once): what the p99 is made of */
    boundaryMs: measured.filter((r) => r.finals > 0).map((r) => round(r.durationMs)),
    /** from asking the provider until every answer was in and ingested: the provider's latency and the parsing, the rest is computing and writing */
    answeredP50Ms: round(pct(answered, 50)),
    answeredP99Ms: round(pct(answered, 99)),
    /** the p99 of the other cycles */
    steadyP99Ms: round(pct(measured.filter((r) => r.finals === 0).map((r) => r.durationMs).sort((a, b) => a - b), 99)),
    /** the slowest cycles, as "ms@s": the second of the minute each ended in (the boundary's cycle ends at :00–:01) */
    slowest: [...measured].sort((a, b) => b.durationMs - a.durationMs).slice(0, 6).map((r) => `${Math.round(r.durationMs)}@${r.second}`).join(' '),
    overruns,
    lostBars: lost.lost,
    expectedBars: lost.expected,
    failedFetches: measured.reduce((n, r) => n + r.failedSymbols.length, 0),
    formingUpdatesPerCycle: round(measured.reduce((n, r) => n + r.formingChanged, 0) / Math.max(1, cycles)),
    cpuMsPerCycle: round((cpu.user + cpu.system) / 1_000 / Math.max(1, cycles)),
    /** the fake provider's CPU (its own process, on the same 2 cores) */
    providerCpuMsPerCycle: round(providerCpu / Math.max(1, cycles)),
    eventLoopDelayP99Ms: round(loop.percentile(99) / 1e6),
    /** share of the wall time the event loop was busy */
    eventLoopUtilization: round(elu.utilization, 3),
    /** ms a cycle the main thread's event loop was busy */
    mainThreadMsPerCycle: round(elu.active / Math.max(1, cycles)),
    /** ms a cycle the timeframe thread computed (TIMEFRAME_THREAD; null when the timeframes ran in-process) */
    timeframeThreadMsPerCycle: threadBusyMs === undefined ? null : round(threadBusyMs / Math.max(1, cycles)),
    rssMb: round(rss / 2 ** 20),
    rssKbPerSymbol: round((rss - rssBefore) / 1_024 / o.symbols, 2),
    providerRequestsPerCycle: round(requests / Math.max(1, cycles)),
    ...perCycle(redisBefore, redisAfter, cycles),
    /** every measured cycle (not in the table; bench-results/scale-cycles.json) */
    cycleLog: measured.map((r) => ({ endedAt: r.endedAt, second: r.second, durationMs: round(r.durationMs), answeredMs: round(r.answeredMs), finals: r.finals })),
  };
}
