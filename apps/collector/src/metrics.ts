import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The collector's Prometheus metrics, one registry per collector instance (tests run several). */
export class CollectorMetrics {
  readonly registry = new Registry();
  readonly cycles = new Counter({ name: 'marketpipe_cycles_total', help: 'Cycles run', registers: [this.registry] });
  readonly overruns = new Counter({
    name: 'marketpipe_cycle_overruns_total',
    help: 'Ticks skipped because the previous cycle was still running',
    registers: [this.registry],
  });
  readonly cycleSeconds = new Histogram({
    name: 'marketpipe_cycle_seconds',
    help: 'Duration of one collector cycle',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly rejects = new Counter({
    name: 'marketpipe_rejects_total',
    help: 'Bars or payloads refused, by reason code (DESIGN §2) and provider',
    labelNames: ['reason', 'provider'] as const,
    registers: [this.registry],
  });
  readonly barsAccepted = new Counter({
    name: 'marketpipe_bars_final_total',
    help: 'Final bars accepted',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  readonly fetches = new Counter({
    name: 'marketpipe_provider_requests_total',
    help: 'Provider requests by outcome',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly breakerState = new Gauge({
    name: 'marketpipe_provider_breaker_open',
    help: '1 while a provider circuit breaker is open',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  readonly historyTransactions = new Counter({
    name: 'marketpipe_history_transactions_total',
    help: 'libSQL write transactions',
    registers: [this.registry],
  });
  readonly historyRows = new Counter({
    name: 'marketpipe_history_rows_total',
    help: 'Bars written to libSQL',
    registers: [this.registry],
  });
  readonly redisWriteSeconds = new Histogram({
    name: 'marketpipe_redis_write_seconds',
    help: 'Duration of the per-cycle pipelined Redis write',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });

  readonly redisUp = new Gauge({
    name: 'marketpipe_redis_up',
    help: '1 while the collector can write to Redis, 0 during an outage',
    registers: [this.registry],
  });
  readonly redisOutages = new Counter({
    name: 'marketpipe_redis_outages_total',
    help: 'Times Redis became unreachable',
    registers: [this.registry],
  });
  readonly historyPending = new Gauge({
    name: 'marketpipe_history_pending_bars',
    help: 'Final bars accepted but not yet written to libSQL',
    registers: [this.registry],
  });
  readonly historyFlushFailures = new Counter({
    name: 'marketpipe_history_flush_failures_total',
    help: 'History flushes that failed (the bars stay buffered and are retried)',
    registers: [this.registry],
  });
  readonly historyRefused = new Counter({
    name: 'marketpipe_history_refused_bars_total',
    help: 'Final bars not accepted because the history buffer was full (fetched again later)',
    registers: [this.registry],
  });

  constructor({ defaults = false }: { defaults?: boolean } = {}) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}
