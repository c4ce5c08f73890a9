import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { ScaledClock, redisKeys, systemClock, type Bar, type Clock, type SymbolSpec } from '@marketpipe/core';
import type { CollectorConfig } from './config';
import { createLogger, type Logger } from './logger';
import { CollectorMetrics } from './metrics';
import { connectWithin, createBinaryRedisClient } from './redis/client';
import { RedisBarWindow, BAR_WINDOW } from './redis/redis-bar-window';
import { WindowReplicator } from './redis/window-replicator';
import { LibsqlHistoryStore } from './history/libsql-history-store';
import { HistoryFlusher } from './history/history-flusher';
import { Orchestrator, type CycleReport } from './orchestrator';
import { FeatureStage, type WarmReport } from './features/feature-stage';
import { TimeframeEngines } from './features/timeframe-stage';
import { TimeframeThread } from './features/timeframe-thread';
import { warmTimeframes, withTimeframes } from './features/timeframe-warm';
import { warmUpOneMinuteCode } from './features/jit-warm-up';
import { createRewarm } from './bootstrap/rewarm';
import { Ticker } from './ticker';
import { backfill, type BackfillReport } from './backfill';
import { recoverFromWindow } from './recovery';
import { startHealthServer } from './health-server';
import { loadSymbolSpecs } from './symbol-specs';
import { buildSources, type BuiltSources } from './sources';
import { stopWithin } from './shutdown';
import { leaseMode } from './shard/lease-mode';
import type { Clocks } from './ports';
import { collectBetweenCycles, tuneRuntime } from './runtime';

export const VERSION = '0.1.0';
const DAY = 86_400_000;
/** TIMEFRAME_THREAD=auto moves the higher timeframes to their thread from this many symbols */
export const TIMEFRAME_THREAD_AUTO_SYMBOLS = 1_000;

export interface CollectorOptions {
  logger?: Logger;
  /** overrides the market clock (tests); by default the sim clock when `sim` is a provider */
  clock?: Clock;
  /** false: do not tick; the caller drives `runCycle()` (tests) */
  autoStart?: boolean;
  /** false: no /metrics /health /ready server */
  healthServer?: boolean;
  /** builds the fetchers and the source over them (providers layer) */
  sources?: (ctx: SourceContext) => Promise<BuiltSources>;
  /** false: no feature engines and no higher timeframes (benchmarks of the bare loop) */
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
  readonly replicator: WindowReplicator;
  readonly history: LibsqlHistoryStore;
  readonly flusher: HistoryFlusher;
  readonly clock: Clock;
  readonly backfill: BackfillReport[];
  readonly warm: WarmReport | undefined;
  readonly features: FeatureStage | undefined;
  /** the higher timeframes (BAR_INTERVALS, FEATURE_INTERVALS), in-process or on their thread (TIMEFRAME_THREAD); undefined when none are kept */
  readonly timeframes: TimeframeEngines | TimeframeThread | undefined;
  readonly timeframesWarm: WarmReport | undefined;
  runCycle(): Promise<CycleReport>;
  /** rebuilds these symbols' engines from history, one between each two cycles (after the background bootstrap) */
  rewarm(symbols: readonly string[]): void;
  flush(): Promise<number>;
  ready(): { ready: boolean; reasons: string[] };
  stop(): Promise<void>;
}

/**
 * Composes and starts the collector: reconciliation both ways, catch-up, the 1-second loop,
 * the flusher. Redis being down at start (or later) does not stop it: history is the record.
 */
export async function startCollector(config: CollectorConfig, opts: CollectorOptions = {}): Promise<RunningCollector> {
  tuneRuntime();
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = new CollectorMetrics({ defaults: opts.healthServer !== false });
  const specs = loadSymbolSpecs(config.SYMBOLS, config.SYMBOLS_FILE);
  let lastCycleAt = 0;
  let cycle = 0;
  let health: () => Record<string, unknown> = () => ({});
  let ready = (): { ready: boolean; reasons: string[] } => ({ ready: false, reasons: ['starting'] });
  let server: Server | undefined;
  // Bound first, so a second collector on the same port fails before touching Redis or history.
  if (opts.healthServer !== false) {
    server = await startHealthServer(config.COLLECTOR_PORT, metrics, {
      health: () => ({ ok: Date.now() - lastCycleAt < 5_000, cycle, lastCycleAgeMs: lastCycleAt ? Date.now() - lastCycleAt : null, ...health() }),
      ready: () => ready(),
    });
  }
  const redis = createBinaryRedisClient(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  // Until the replicator exists, the first connection error is kept for its first log line.
  let startupRedisError: unknown = null;
  let onRedisError: (err: unknown) => void = (err) => void (startupRedisError ??= err);
  redis.on('error', (err: unknown) => onRedisError(err));
  const connectError = await connectWithin(redis, 2_000);
  const window = new RedisBarWindow(redis, redisKeys(config.REDIS_PREFIX));
  const collectorId = config.COLLECTOR_ID ?? `${hostname()}-${process.pid}`;
  const history = await LibsqlHistoryStore.open({
    url: config.DATABASE_URL,
    ...(config.DATABASE_AUTH_TOKEN ? { authToken: config.DATABASE_AUTH_TOKEN } : {}),
    maxBuffered: config.HISTORY_BUFFER_MAX,
    onTransaction: (rows) => {
      metrics.historyTransactions.inc();
      metrics.historyRows.inc(rows);
    },
  });
  const wall = systemClock;
  const flusher = new HistoryFlusher({ history, metrics, logger, wall, periodMs: config.HISTORY_FLUSH_MS, warnAt: config.HISTORY_BUFFER_WARN });

  const redisUp = connectError === null;
  if (redisUp) {
    const restored = await recoverFromWindow(specs, history, window);
    if (restored > 0) logger.info({ restored }, 'restored final bars from the Redis window into history');
  }
  const lastStored = Math.max(0, ...(await Promise.all(specs.map((s) => history.lastTs(s.symbol)))).map((t) => t ?? 0));
  const market = opts.clock ?? (config.PROVIDERS.includes('sim') ? new ScaledClock(Math.max(Date.now(), lastStored + 60_000), config.SIM_SPEED) : systemClock);
  const clocks: Clocks = { market, wall };
  const built = await (opts.sources ?? buildSources)({ config, specs, clock: market, logger, metrics, redisUrl: config.REDIS_URL });

  const analytics = opts.features === false ? undefined : new FeatureStage(specs);
  // In lease mode the symbols arrive with their leases, and are warmed then (src/shard).
  const lease =
    config.SHARD_MODE === 'lease'
      ? leaseMode({ client: redis, keys: window.keys, prefix: config.REDIS_PREFIX, window, collectorId, ttlMs: config.LEASE_TTL_MS, specs, history, logger })
      : undefined;
  const warmReport = analytics ? await analytics.warm(lease ? [] : specs, history, redisUp ? window : null, logger) : undefined;
  if (warmReport) logger.info(warmReport, 'feature engines warm');
  const timeframeOptions = { barIntervals: config.BAR_INTERVALS, featureIntervals: config.BAR_INTERVALS.filter((iv) => config.FEATURE_INTERVALS.includes(iv)) };
  const warmedTimeframes = opts.features === false || config.BAR_INTERVALS.length === 0 ? undefined : new TimeframeEngines(specs, timeframeOptions);
  const retentionMs = config.RETENTION_DAYS * DAY;
  const timeframesWarm = warmedTimeframes ? await warmTimeframes(warmedTimeframes, lease ? [] : specs, history, redisUp ? window : null, logger, retentionMs) : undefined;
  if (timeframesWarm) logger.info({ ...timeframesWarm, intervals: config.BAR_INTERVALS, featureIntervals: timeframeOptions.featureIntervals }, 'higher timeframes warm');
  const threaded = !lease && (config.TIMEFRAME_THREAD === 'on' || (config.TIMEFRAME_THREAD === 'auto' && specs.length >= TIMEFRAME_THREAD_AUTO_SYMBOLS));
  // At the scale the thread is for, the first minute boundary of 5,000 cold engines is a cycle's worth of JIT work.
  if (analytics && threaded) warmUpOneMinuteCode();
  const timeframes = warmedTimeframes && threaded ? await TimeframeThread.start(specs, timeframeOptions, config.REDIS_PREFIX, { url: config.REDIS_URL, timeoutMs: config.REDIS_COMMAND_TIMEOUT_MS }, warmedTimeframes) : warmedTimeframes;
  // Every symbol's 1m sorted set, and the higher ones when this thread computes them: ready before the first boundary.
  if (!lease) window.prepare(specs.map((s) => s.symbol), warmedTimeframes && !threaded ? ['1m', ...config.BAR_INTERVALS] : ['1m']);
  const replicator = new WindowReplicator({
    window: lease?.window ?? window,
    history,
    specs,
    metrics,
    logger,
    wall,
    windowBars: BAR_WINDOW,
    retentionMs,
    ...(analytics ? { analytics } : {}),
    ...(timeframes ? { timeframes } : {}),
  });
  onRedisError = (err) => replicator.markDown(err);
  if (!redisUp) replicator.markDown(startupRedisError ?? connectError);
  else {
    try {
      // Crash recovery, history → Redis: bars the window lacks (it may have restarted empty).
      const refilled = await replicator.refill();
      if (refilled > 0) logger.info({ refilled }, 'window refilled from history');
    } catch (error) {
      replicator.markDown(error);
    }
  }

  const lastFinal = new Map<string, Bar>();
  for (const spec of specs) {
    const bar = await history.lastBar(spec.symbol);
    if (bar) lastFinal.set(spec.symbol, bar);
  }
  const orchestrator = new Orchestrator({
    specs: lease ? [] : specs,
    source: built.source,
    replicator,
    history,
    clocks,
    metrics,
    logger,
    collectorId,
    version: VERSION,
    concurrency: config.FETCH_CONCURRENCY,
    lastFinal,
    onBuffered: () => flusher.observe(),
    ...(analytics ? { analytics } : {}),
    ...(timeframes ? { timeframes } : {}),
  });
  const shard = lease?.coordinate({ target: orchestrator, redisUp: () => replicator.up, ...(analytics ? { analytics: withTimeframes(analytics, timeframes, retentionMs) } : {}) });
  await shard?.start();
  const rewarm = analytics
    ? createRewarm({ specs, analytics: withTimeframes(analytics, timeframes, retentionMs), history, logger, retentionMs, collecting: (s) => orchestrator.cursor(s) !== null })
    : undefined;
  const backfillReport = await backfill(lease ? [] : specs, {
    orchestrator,
    flusher,
    logger,
    now: market.now(),
    lookbackMs: Math.min(config.BACKFILL_HOURS * 3_600_000, config.RETENTION_DAYS * DAY),
    progress: process.stderr.isTTY,
  });

    health = () => ({ redis: replicator.up ? 'up' : 'down', history: flusher.health(), providers: built.health?.() ?? {} });
  ready = () => {
    const reasons: string[] = [];
    if (lastCycleAt === 0) reasons.push('no cycle has run yet');
    else if (Date.now() - lastCycleAt > 5_000) reasons.push(`no cycle for ${Date.now() - lastCycleAt} ms`);
    const h = flusher.health();
    if (!h.ok && h.reason) reasons.push(h.reason);
    if (!replicator.up) reasons.push(`redis unreachable (${replicator.downReason}): the API serves stale data until it is back`);
    return { ready: reasons.length === 0, reasons };
  };
  const runCycle = async () => {
    shard?.beforeCycle();
    await rewarm?.step();
    flusher.hold();
    const report = await orchestrator.runCycle().finally(() => flusher.release());
    lastCycleAt = Date.now();
    cycle = report.cycle;
    opts.onCycle?.(report);
    collectBetweenCycles();
    return report;
  };
  // A cycle that keeps throwing logs its stack once, then counts; one line when cycles succeed again.
  let failedCycles = 0;
  const ticker = new Ticker(
    () =>
      runCycle().then(
        () => {
          if (failedCycles > 0) logger.info({ failedCycles }, 'cycles succeed again');
          failedCycles = 0;
        },
        (err: unknown) => {
          metrics.cycleFailures.inc();
          if (failedCycles++ === 0) logger.error({ err }, 'cycle failed');
          else logger.debug({ cause: String(err), failedCycles }, 'cycle failed');
        },
      ),
    () => metrics.overruns.inc(),
  );
  const pruneTimer = setInterval(() => {
    history.prune(market.now() - config.RETENTION_DAYS * DAY).catch((err: unknown) => logger.error({ err }, 'prune failed'));
  }, 3_600_000);
  pruneTimer.unref();

  flusher.start();
  if (opts.autoStart !== false) ticker.start();
  logger.info({ symbols: config.SYMBOLS, providers: config.PROVIDERS, simSpeed: config.SIM_SPEED, redis: replicator.up ? 'up' : 'down' }, 'collector started');

  let stopping: Promise<void> | undefined;
  return {
    config,
    specs,
    metrics,
    window,
    replicator,
    history,
    flusher,
    clock: market,
    backfill: backfillReport,
    warm: warmReport,
    features: analytics,
    timeframes,
    timeframesWarm,
    runCycle,
    rewarm: (symbols) => rewarm?.queue(symbols),
    flush: () => history.flush(),
    ready: () => ready(),
    stop: () =>
      (stopping ??= (shard?.leave().catch((err: unknown) => logger.warn({ err }, 'shard: leases not given back')) ?? Promise.resolve()).then(() => stopWithin(config.SHUTDOWN_TIMEOUT_MS, logger, {
        ticker,
        flusher,
        history,
        replicator,
        analytics,
        timeframes,
        closeSources: () => built.close?.() ?? Promise.resolve(),
        closeServer: () =>
          new Promise<void>((resolve) => {
            if (!server) return resolve();
            server.closeAllConnections();
            server.close(() => resolve());
          }),
        redis,
        timers: [pruneTimer],
      })).finally(() => {
        window.close();
        if (timeframes instanceof TimeframeThread) void timeframes.close();
      })),
  };
}
