import { CircuitState } from 'cockatiel';
import { validateBars, type Bar, type Clock, type ProviderName, type Reject, type RejectReason } from '@marketpipe/core';
import type { CollectorMetrics, QuotaReading, RequestOutcome } from '../metrics';
import type { Logger } from '../logger';
import { BrokenCircuitError, ProviderBreaker, type BreakerOptions } from './breaker';
import type { Pacer } from './pacer';
import { windowEnd, type QuotaLimit, type QuotaStore } from './quota';
import { ProviderError, type BarFetcher, type FetchResult, type ProviderErrorCode } from './types';

/** A provider that was tried, or skipped, before the winner (or before giving up). */
export interface ProviderFailure {
  provider: ProviderName;
  /** provider_error / parse_error / rate_limited, or the reject reason of an all-invalid payload */
  code: RejectReason;
  detail: string;
  /** true when no request was made: breaker open, not yet due, quota spent */
  skipped: boolean;
  /** true when the provider was merely not due yet under its quota pacing (nothing wrong with it) */
  paced?: boolean;
}

/** Why a provider was not asked, or did not serve; `stop`: do not try the next one either (see ProviderChain). */
export interface Refusal {
  failure: ProviderFailure;
  stop?: boolean;
}

/** Every bar of every payload is accepted or rejected with a reason; none is silently changed. */
export class InvalidPayloadError extends Error {
  readonly code = 'invalid_payload';
  constructor(readonly rejects: Reject[]) {
    super(`all ${rejects.length} bars rejected (first: ${rejects[0]?.reason}: ${rejects[0]?.detail})`);
    this.name = 'InvalidPayloadError';
  }
}

export interface EntryDeps {
  pacer: Pacer;
  clock: Clock;
  quota: QuotaStore | undefined;
  metrics: CollectorMetrics;
  logger: Logger;
}

/**
 * One provider of the chain: whether a request may go to it now (breaker, pacing, quota), and
 * the accounting of what it answered (validation, counted rejects and outcomes, the log lines
 * when it starts and stops failing or its quota runs out). The chain decides the order.
 */
export class ProviderEntry {
  readonly name: ProviderName;
  readonly breaker: ProviderBreaker;
  /** failed requests since its last good answer (logged on the first and on recovery) */
  #failing = 0;
  /** its last quota check was refused */
  #quotaSpent = false;

  constructor(
    readonly fetcher: BarFetcher,
    readonly limits: readonly QuotaLimit[],
    breaker: BreakerOptions,
    private readonly deps: EntryDeps,
  ) {
    this.name = fetcher.name;
    if (limits.length > 0 && !deps.quota) throw new RangeError(`${fetcher.name} has quotas but no QuotaStore was given`);
    this.breaker = new ProviderBreaker(breaker);
    this.#watch();
    deps.metrics.addProvider(this.name);
    for (const l of limits) deps.metrics.quotaLimit.set({ provider: this.name, window: l.window }, l.limit);
  }

  /** Breaker and pacing: a refusal, or null when a request may go now (its pacing then booked). */
  admit(symbol: string, now: number, unpaced: boolean): Refusal | null {
    const { pacer } = this.deps;
    if (!this.breaker.allows()) return this.#skip('provider_error', 'circuit breaker open', 'breaker_open');
    const pace = unpaced ? 'due' : pacer.check(this.name, symbol, now);
    if (pace === 'blocked') return this.#skip('rate_limited', 'backing off after a rate-limit answer', 'not_due');
    if (pace === 'wait') {
      const waiting = this.#skip('rate_limited', 'not due yet (quota pacing)', 'not_due', pacer.recentlyServed(this.name, symbol, now));
      waiting.failure.paced = true;
      return waiting;
    }
    if (!unpaced) pacer.spend(this.name, symbol, now);
    return null;
  }

  /** A method, not a closure per call: tsx (esbuild keepNames) names each closure it makes, thousands a second here. */
  #skip(code: RejectReason, detail: string, outcome: RequestOutcome, stop = false): Refusal {
    this.deps.metrics.fetches.inc({ provider: this.name, outcome });
    return { failure: { provider: this.name, code, detail, skipped: true }, stop };
  }

  /** Spends `credits` of its quota (always granted without limits); a refusal when they are not there. */
  async spend(now: number, credits: number): Promise<Refusal | null> {
    if (this.limits.length === 0 || (await this.#acquire(now, credits))) return null;
    this.deps.pacer.block(this.name, windowEnd('minute', now));
    this.deps.metrics.rejects.inc({ reason: 'rate_limited', provider: this.name });
    return this.#skip('rate_limited', 'request quota spent for this window', 'quota_spent');
  }

  /** Validates a payload's bars and counts what is refused; a payload whose every bar is refused throws. */
  checked(result: FetchResult, rejects: Reject[], now: number): Bar[] {
    const checked = validateBars(result.bars, { now });
    const refused = result.rejects.length === 0 ? checked.rejects : [...result.rejects, ...checked.rejects];
    for (const r of refused) {
      this.deps.metrics.rejects.inc({ reason: r.reason, provider: this.name });
      rejects.push({ ...r, detail: `${this.name}: ${r.detail}` });
    }
    // A payload whose every bar is refused counts like an error.
    if (checked.accepted.length === 0 && refused.length > 0) throw new InvalidPayloadError(refused);
    return checked.accepted;
  }

  /** Runs one request under its latency histogram. */
  async timed<T>(request: () => Promise<T>): Promise<T> {
    const endRequest = this.deps.metrics.providerSeconds.startTimer({ provider: this.name });
    try {
      return await request();
    } finally {
      endRequest();
    }
  }

  /** It served the symbol (its pacing waits rather than fail over while that answer is fresh). */
  served(symbol: string, now: number): void {
    this.deps.pacer.served(this.name, symbol, now);
  }

  /** A request it answered. */
  answered(): void {
    this.deps.metrics.fetches.inc({ provider: this.name, outcome: 'ok' });
    if (this.#failing === 0) return;
    this.deps.logger.info({ provider: this.name, failedRequests: this.#failing }, 'provider answering again');
    this.#failing = 0;
  }

  /** A request that failed (`what`: the symbol, or the symbols of a batch). */
  failed(what: string, error: unknown): ProviderFailure {
    const { metrics } = this.deps;
    const { name } = this;
    if (error instanceof BrokenCircuitError) {
      metrics.fetches.inc({ provider: name, outcome: 'breaker_open' });
      return { provider: name, code: 'provider_error', detail: 'circuit breaker open', skipped: true };
    }
    if (error instanceof InvalidPayloadError) {
      metrics.fetches.inc({ provider: name, outcome: 'invalid' });
      const code = error.rejects[0]?.reason ?? 'parse_error';
      this.#requestFailed(what, code, error.message);
      return { provider: name, code, detail: error.message, skipped: false };
    }
    // Typed as an outcome so that a new error code cannot miss its zero-initialised series.
    const code: ProviderErrorCode & RequestOutcome = error instanceof ProviderError ? error.code : 'provider_error';
    const detail = error instanceof Error ? error.message : String(error);
    if (code === 'rate_limited') this.deps.pacer.block(name, windowEnd('minute', this.deps.clock.now()));
    metrics.rejects.inc({ reason: code, provider: name });
    metrics.fetches.inc({ provider: name, outcome: code });
    this.#requestFailed(what, code, detail);
    return { provider: name, code, detail, skipped: false };
  }

  /** One symbol of an answered batch that failed (its own error entry, or all its bars refused): counted, not a failed request. */
  symbolFailed(symbol: string, error: unknown): ProviderFailure {
    if (error instanceof InvalidPayloadError) {
      this.deps.metrics.fetches.inc({ provider: this.name, outcome: 'invalid' });
      return { provider: this.name, code: error.rejects[0]?.reason ?? 'parse_error', detail: error.message, skipped: false };
    }
    const code: ProviderErrorCode = error instanceof ProviderError ? error.code : 'provider_error';
    const detail = error instanceof Error ? error.message : String(error);
    this.deps.metrics.rejects.inc({ reason: code, provider: this.name });
    this.deps.logger.debug({ provider: this.name, symbol, reason: code, detail }, 'symbol failed in a batch');
    return { provider: this.name, code, detail, skipped: false };
  }

  quotaReadings(now: number): QuotaReading[] {
    const { quota } = this.deps;
    if (!quota) return [];
    const spent = quota.spent(this.name, this.limits, now);
    return this.limits.map((l, i) => ({ provider: this.name, window: l.window, remaining: Math.max(0, l.limit - spent[i]!) }));
  }

  /** One warn line when it starts failing; the rest of the run of failures is counted, not logged. */
  #requestFailed(what: string, reason: RejectReason, detail: string): void {
    this.#failing += 1;
    const { logger } = this.deps;
    const log = this.#failing === 1 ? logger.warn.bind(logger) : logger.debug.bind(logger);
    log({ provider: this.name, symbol: what, reason, detail }, 'provider requests failing');
  }

  /** Says once when its quota runs out and once when it is back. */
  async #acquire(now: number, credits: number): Promise<boolean> {
    const quota = this.deps.quota!;
    const granted = await quota.tryAcquire(this.name, this.limits, now, credits);
    if (granted) {
      if (this.#quotaSpent) this.deps.logger.info({ provider: this.name }, 'provider quota available again');
      this.#quotaSpent = false;
    } else if (!this.#quotaSpent) {
      this.#quotaSpent = true;
      const spent = quota.spent(this.name, this.limits, now);
      const windows = this.limits.filter((l, i) => spent[i]! >= l.limit);
      const resetsAt = Math.max(windowEnd('minute', now), ...windows.map((l) => windowEnd(l.window, now)));
      this.deps.logger.warn(
        { provider: this.name, windows: windows.map((l) => l.window), resetsAt: new Date(resetsAt).toISOString() },
        'provider quota exhausted: other providers serve until it resets',
      );
    }
    return granted;
  }

  #watch(): void {
    const { metrics, logger } = this.deps;
    this.breaker.policy.onStateChange((state) => {
      const label = this.breaker.state;
      metrics.breakerState.set({ provider: this.name }, state === CircuitState.Closed ? 0 : 1);
      const log = state === CircuitState.Open ? logger.warn.bind(logger) : logger.info.bind(logger);
      log({ provider: this.name, breaker: label }, `circuit breaker ${label}`);
    });
  }
}
