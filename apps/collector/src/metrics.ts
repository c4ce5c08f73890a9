import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECT_REASONS } from '@marketpipe/core';

/** Every outcome a provider request is counted under in marketpipe_provider_requests_total. */
export const REQUEST_OUTCOMES = ['ok', 'not_due', 'quota_spent', 'breaker_open', 'invalid', 'provider_error', 'parse_error', 'rate_limited', 'wrong_interval'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

/** Requests left in one quota window, as its owner last learned them (see ProviderChain). */
export interface QuotaReading {
  provider: string;
  window: string;
  remaining: number;
}

/**
 * The collector's Prometheus metrics, one registry per collector instance (tests run several).
 * ops/README.md says which question each answers and ops/alerts.yml what alerts on them.
 */
export class CollectorMetrics {
  readonly registry = new Registry();
  #quota: () => readonly QuotaReading[] = () => [];

  readonly cycles = new Counter({ name: 'marketpipe_cycles_total', help: 'Cycles run', registers: [this.registry] });
  readonly overruns = new Counter({
    name: 'marketpipe_cycle_overruns_total',
    help: 'Ticks skipped because the previous cycle was still running',
    registers: [this.registry],
  });
  readonly cycleFailures = new Counter({
    name: 'marketpipe_cycle_failures_total',
    help: 'Cycles that threw (logged once per run of failures)',
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
    help: 'Bars or payloads refused, by reason code (docs/architecture.md §2) and provider',
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
    help: 'Provider requests by outcome (not_due, quota_spent and breaker_open were never sent)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly providerSeconds = new Histogram({
    name: 'marketpipe_provider_request_seconds',
    help: 'Duration of the provider requests actually sent, failed and timed-out ones included',
    labelNames: ['provider'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
    registers: [this.registry],
  });
  readonly breakerState = new Gauge({
    name: 'marketpipe_provider_breaker_open',
    help: '1 while a provider circuit breaker is open',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  readonly quotaRemaining = new Gauge({
    name: 'marketpipe_provider_quota_remaining',
    help: 'Requests left in the current quota window, as last counted in Redis (plus what was spent while it was unreachable)',
    labelNames: ['provider', 'window'] as const,
    registers: [this.registry],
    // Read when scraped, so a window that has just rolled over shows its fresh quota.
    collect: () => this.#collectQuota(),
  });
  readonly quotaLimit = new Gauge({
    name: 'marketpipe_provider_quota_limit',
    help: 'Requests a quota window allows',
    labelNames: ['provider', 'window'] as const,
    registers: [this.registry],
  });
  /**
   * Sets the per-symbol freshness gauges; called when they are read (a scrape), since setting
   * two gauges for each of 5,000 symbols every cycle cost ~10 ms of a cycle to be read every 15 s.
   */
  onCollectFreshness: (() => void) | null = null;
  readonly marketOpen = new Gauge({
    name: 'marketpipe_market_open',
    help: "1 while the symbol's session is trading (market clock), 0 outside it",
    labelNames: ['symbol'] as const,
    registers: [this.registry],
    collect: () => this.onCollectFreshness?.(),
  });
  readonly dataAge = new Gauge({
    name: 'marketpipe_data_age_seconds',
    help: 'Wall time since a provider last served the symbol (since start if none has yet), as of the scrape',
    labelNames: ['symbol'] as const,
    registers: [this.registry],
    collect: () => this.onCollectFreshness?.(),
  });
  readonly signalSeconds = new Histogram({
    name: 'marketpipe_signal_latency_seconds',
    help: "From a symbol's bars arriving from its provider to the end of the Redis write that carried its new signal, per signal interval",
    labelNames: ['interval'] as const,
    // Fine around the product's 50 ms target, so a quantile read from the buckets says which side of it.
    buckets: [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5],
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
  readonly historyFlushSeconds = new Histogram({
    name: 'marketpipe_history_flush_seconds',
    help: 'Duration of history flushes that had bars to write, failed ones included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly redisWriteSeconds = new Histogram({
    name: 'marketpipe_redis_write_seconds',
    help: 'How long a cycle waited on Redis after its last symbol: the closing write, and any part of the cycle still in flight',
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

  /** `defaults`: process metrics (CPU, memory, event-loop lag) too */
  constructor({ defaults = false }: { defaults?: boolean } = {}) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * A provider in use (the chain adds each of its own): its labelled counters start at 0 for
   * every outcome and reject reason, so they are visible before their first event.
   */
  addProvider(provider: string): void {
    this.barsAccepted.inc({ provider }, 0);
    this.providerSeconds.zero({ provider });
    this.breakerState.set({ provider }, 0);
    for (const outcome of REQUEST_OUTCOMES) this.fetches.inc({ provider, outcome }, 0);
    for (const reason of REJECT_REASONS) this.rejects.inc({ reason, provider }, 0);
  }

  /** Where the quota gauges are read from at scrape time (the provider chain, which owns the counts). */
  readQuotaFrom(read: () => readonly QuotaReading[]): void {
    this.#quota = read;
  }

  #collectQuota(): void {
    for (const q of this.#quota()) this.quotaRemaining.set({ provider: q.provider, window: q.window }, q.remaining);
  }
}
