import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { ScaledClock, redisKeys, systemClock, type Bar, type Clock, type SymbolSpec } from '@marketpipe/core';
import type { CollectorConfig } from './config';
import { createLogger, type Logger } from './logger';
import { CollectorMetrics } from './metrics';
import { createBinaryRedisClient } from './redis/client';
import { RedisBarWindow } from './redis/redis-bar-window';
import { LibsqlHistoryStore } from './history/libsql-history-store';
import { Orchestrator, type CycleReport } from './orchestrator';
import { FeatureStage, type WarmReport } from './features/feature-stage';
import { Ticker } from './ticker';
import { backfill, type BackfillReport } from './backfill';
import { recoverFromWindow } from './recovery';
import { startHealthServer } from './health-server';
import { loadSymbolSpecs } from './symbol-specs';
import { buildSources, type BuiltSources } from './sources';

export const VERSION = '0.1.0';
const DAY = 86_400_000;
/** how often changed engine state is persisted (a restart replays at most this much history) */
const STATE_SAVE_MS = 5_000;

export interface CollectorOptions {
  logger?: Logger;
  /** overrides the clock (tests); by default the sim clock when `sim` is a provider */
  clock?: Clock;
  /** false: do not tick; the caller drives `runCycle()` (tests) */
  autoStart?: boolean;
  /** false: no /metrics /health /ready server */
  healthServer?: boolean;
  /** builds the fetchers and the source over them (providers layer) */
  sources?: (ctx: SourceContext) => Promise<BuiltSources>;
  /** false: no feature engines (benchmarks of the bare loop) */
  features?: boolean;
  /** called after every cycle (benchmarks, tests) */
  onCycle?: (report: CycleReport) => void;
}

export interface SourceContext {
  config: CollectorConfig;
  specs: SymbolSpec[];
  clock: Clock;
  logger: Logger;
  metrics: CollectorMetrics;
  redisUrl: string;
}

export interface RunningCollector {
  readonly config: CollectorConfig;
  readonly specs: SymbolSpec[];
  readonly metrics: CollectorMetrics;
  readonly window: RedisBarWindow;
  readonly history: LibsqlHistoryStore;
  readonly clock: Clock;
  readonly backfill: BackfillReport[];
  readonly warm: WarmReport | undefined;
  readonly features: FeatureStage | undefined;
  runCycle(): ReturnType<Orchestrator['runCycle']>;
  flush(): Promise<number>;
  stop(): Promise<void>;
}

/** Composes and starts the collector: recovery, backfill, the 1-second loop, the flush timer. */
export async function startCollector(config: CollectorConfig, opts: CollectorOptions = {}): Promise<RunningCollector> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = new CollectorMetrics({ defaults: opts.healthServer !== false });
  const specs = loadSymbolSpecs(config.SYMBOLS, config.SYMBOLS_FILE);
  const keys = redisKeys(config.REDIS_PREFIX);
  // Bound first, so a second collector on the same port fails before touching Redis or history.
  let lastCycleAt = 0;
  let cycle = 0;
  let health: () => Record<string, unknown> = () => ({});
  let pending = () => 0;
  let server: Server | undefined;
  if (opts.healthServer !== false) {
    server = await startHealthServer(config.COLLECTOR_PORT, metrics, {
      health: () => ({
        ok: Date.now() - lastCycleAt < 5_000,
        cycle,
        lastCycleAgeMs: lastCycleAt ? Date.now() - lastCycleAt : null,
        pendingHistoryRows: pending(),
        symbols: specs.map((s) => s.symbol),
        providers: health(),
      }),
      ready: () => lastCycleAt > 0,
    });
  }
  const redis = createBinaryRedisClient(config.REDIS_URL);
  redis.on('error', (err: unknown) => logger.error({ err }, 'redis error'));
  await redis.connect();
  const window = new RedisBarWindow(redis, keys);
  const history = await LibsqlHistoryStore.open({
    url: config.DATABASE_URL,
    ...(config.DATABASE_AUTH_TOKEN ? { authToken: config.DATABASE_AUTH_TOKEN } : {}),
    onTransaction: (rows) => {
      metrics.historyTransactions.inc();
      metrics.historyRows.inc(rows);
    },
  });

  const restored = await recoverFromWindow(specs, history, window);
  if (restored > 0) logger.info({ restored }, 'restored final bars from the Redis window into history');

  const lastStored = Math.max(0, ...(await Promise.all(specs.map((s) => history.lastTs(s.symbol)))).map((t) => t ?? 0));
  const clock =
    opts.clock ??
    (config.PROVIDERS.includes('sim') ? new ScaledClock(Math.max(Date.now(), lastStored + 60_000), config.SIM_SPEED) : systemClock);
  const ctx: SourceContext = { config, specs, clock, logger, metrics, redisUrl: config.REDIS_URL };
  const built = await (opts.sources ?? buildSources)(ctx);
  await window.writeSymbols(specs);

  const backfillReport = await backfill(specs, {
    fetchers: built.fetchers,
    history,
    window,
    logger,
    metrics,
    now: clock.now(),
    lookbackMs: Math.min(config.BACKFILL_HOURS * 3_600_000, config.RETENTION_DAYS * DAY),
    progress: process.stderr.isTTY,
  });

  const lastFinal = new Map<string, Bar>();
  for (const spec of specs) {
    const bar = await history.lastBar(spec.symbol);
    if (bar) lastFinal.set(spec.symbol, bar);
  }
  const analytics = opts.features === false ? undefined : new FeatureStage(specs);
  const warmReport = analytics ? await analytics.warm(specs, history, window, logger) : undefined;
  if (warmReport) logger.info(warmReport, 'feature engines warm');
  const saveStates = async () => {
    if (analytics) await window.saveStates(analytics.takeStates());
  };
  const orchestrator = new Orchestrator({
    specs,
    source: built.source,
    window,
    history,
    clock,
    metrics,
    logger,
    collectorId: config.COLLECTOR_ID ?? `${hostname()}-${process.pid}`,
    version: VERSION,
    concurrency: config.FETCH_CONCURRENCY,
    lastFinal,
    ...(analytics ? { analytics } : {}),
  });

  health = () => built.health?.() ?? {};
  pending = () => history.pending;
  const runCycle = async () => {
    const report = await orchestrator.runCycle();
    lastCycleAt = Date.now();
    cycle = report.cycle;
    opts.onCycle?.(report);
    return report;
  };
  const ticker = new Ticker(
    () =>
      runCycle().then(
        () => undefined,
        (err: unknown) => logger.error({ err }, 'cycle failed'),
      ),
    () => metrics.overruns.inc(),
  );
  const flushTimer = setInterval(() => {
    history.flush().catch((err: unknown) => logger.error({ err }, 'history flush failed; will retry'));
  }, config.HISTORY_FLUSH_MS);
  const stateTimer = setInterval(() => {
    saveStates().catch((err: unknown) => logger.error({ err }, 'saving engine state failed; will retry'));
  }, STATE_SAVE_MS);
  const pruneTimer = setInterval(() => {
    history.prune(clock.now() - config.RETENTION_DAYS * DAY).catch((err: unknown) => logger.error({ err }, 'prune failed'));
  }, 3_600_000);
  pruneTimer.unref();

  if (opts.autoStart !== false) ticker.start();
  logger.info({ symbols: config.SYMBOLS, providers: config.PROVIDERS, simSpeed: config.SIM_SPEED }, 'collector started');

  let stopping: Promise<void> | undefined;
  return {
    config,
    specs,
    metrics,
    window,
    history,
    clock,
    backfill: backfillReport,
    warm: warmReport,
    features: analytics,
    runCycle,
    flush: () => history.flush(),
    stop: () =>
      (stopping ??= (async () => {
        await ticker.stop();
        clearInterval(flushTimer);
        clearInterval(stateTimer);
        clearInterval(pruneTimer);
        await saveStates();
        await built.close?.();
        const rows = await history.flush();
        await history.close();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await redis.quit();
        logger.info({ flushedRows: rows }, 'collector stopped');
      })()),
  };
}
