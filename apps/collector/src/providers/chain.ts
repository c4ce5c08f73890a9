import { CircuitState } from 'cockatiel';
import { systemClock, validateBars, type Bar, type Clock, type ProviderName, type Reject, type RejectReason, type SymbolSpec } from '@marketpipe/core';
import type { CollectorMetrics, QuotaReading, RequestOutcome } from '../metrics';
import type { Logger } from '../logger';
import { BrokenCircuitError, ProviderBreaker, type BreakerOptions, type BreakerState } from './breaker';
import { pacingInterval } from './limits';
import { Pacer } from './pacer';
import { windowEnd, type QuotaLimit, type QuotaStore } from './quota';
import { ServingLog } from './serving';
import { ProviderError, type BarFetcher, type FetchRange, type ProviderErrorCode } from './types';
import type { FetchPurpose } from '../ports';

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

export type ChainResult =
  | { provider: ProviderName; bars: Bar[]; rejects: Reject[]; failures: ProviderFailure[] }
  | { provider: null; bars: []; rejects: Reject[]; failures: ProviderFailure[] };

export interface ProviderChainDeps {
  /** in priority order; a sim-like fetcher without limits is just another entry */
  fetchers: readonly BarFetcher[];
  /** request quotas per provider (see quotaLimits); providers without an entry are unmetered */
  limits?: Partial<Record<ProviderName, readonly QuotaLimit[]>>;
  /** required when any provider has limits */
  quota?: QuotaStore;
  metrics: CollectorMetrics;
  logger: Logger;
  clock?: Clock;
  breaker?: Partial<BreakerOptions>;
}

interface Entry {
  fetcher: BarFetcher;
  name: ProviderName;
  limits: readonly QuotaLimit[];
  breaker: ProviderBreaker;
}

const DEFAULT_BREAKER: BreakerOptions = { failures: 5, halfOpenMs: 5_000, maxBackoffMs: 300_000 };

/** Every bar of every payload is accepted or rejected with a reason; none is silently changed. */
class InvalidPayloadError extends Error {
  readonly code = 'invalid_payload';
  constructor(readonly rejects: Reject[]) {
    super(`all ${rejects.length} bars rejected (first: ${rejects[0]?.reason}: ${rejects[0]?.detail})`);
    this.name = 'InvalidPayloadError';
  }
}

/**
 * Per symbol, tries providers in priority order and returns the first usable answer. A
 * provider is skipped when it has no mapping for the symbol, its breaker is open, its quota
 * pacing says not yet, or its quota is spent. When a provider is merely not due and its last
 * answer for the symbol was good, the chain stops there (provider: null, rate_limited) instead
 * of spending a lower-priority provider's scarcer quota: the caller keeps serving that data.
 */
export class ProviderChain {
  readonly #entries: Entry[];
  readonly #pacer: Pacer;
  readonly #deps: ProviderChainDeps;
  readonly #clock: Clock;
  readonly #serving: ServingLog;
  /** per provider: failed requests since its last good answer (logged on the first and on recovery) */
  readonly #failing = new Map<ProviderName, number>();
  /** providers whose last quota check was refused */
  readonly #quotaSpent = new Set<ProviderName>();

  constructor(deps: ProviderChainDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#serving = new ServingLog(deps.logger);
    const breakerOpts = { ...DEFAULT_BREAKER, ...deps.breaker };
    this.#entries = deps.fetchers.map((fetcher) => {
      const limits = deps.limits?.[fetcher.name] ?? [];
      if (limits.length > 0 && !deps.quota) throw new RangeError(`${fetcher.name} has quotas but no QuotaStore was given`);
      const breaker = new ProviderBreaker(breakerOpts);
      this.#watch(fetcher.name, breaker);
      return { fetcher, name: fetcher.name, limits, breaker };
    });
    this.#pacer = new Pacer(
      Object.fromEntries(this.#entries.filter((e) => e.limits.length > 0).map((e) => [e.name, pacingInterval(e.limits)])),
    );
    for (const e of this.#entries) {
      deps.metrics.addProvider(e.name);
      for (const l of e.limits) deps.metrics.quotaLimit.set({ provider: e.name, window: l.window }, l.limit);
    }
    deps.metrics.readQuotaFrom(() => this.#quotaReadings());
  }

  /**
   * `purpose: 'history'` (catch-up, bootstrap) asks only providers that serve history and skips
   * the live pacing, which spreads a quota over polls of the current minute; quotas and
   * breakers still apply.
   */
  async fetch(
    spec: SymbolSpec,
    range: FetchRange,
    opts: { purpose?: FetchPurpose; signal?: AbortSignal; only?: ProviderName } = {},
  ): Promise<ChainResult> {
    const failures: ProviderFailure[] = [];
    const rejects: Reject[] = [];
    const history = opts.purpose === 'history';
    for (const entry of this.#entries) {
      // A bootstrap sized its request for one provider's limits: another could not answer it whole.
      if (opts.only !== undefined && entry.name !== opts.only) continue;
      if (!entry.fetcher.supports(spec)) continue;
      if (history && entry.fetcher.historyLimitMs <= 0) continue;
      const outcome = await this.#try(entry, spec, range, opts.signal, rejects, history);
      if ('bars' in outcome) {
        const bars = outcome.bars.map((b) => (b.source === entry.name ? b : { ...b, source: entry.name }));
        if (!history) this.#serving.served(spec.symbol, entry.name, failures);
        return { provider: entry.name, bars, rejects, failures };
      }
      failures.push(outcome.failure);
      if (outcome.stop) break;
    }
    if (!history) this.#serving.unserved(spec.symbol, failures);
    return { provider: null, bars: [], rejects, failures };
  }

  /** The fetchers, in priority order (a bootstrap plans over them). */
  get fetchers(): readonly BarFetcher[] {
    return this.#entries.map((e) => e.fetcher);
  }

  /** Breaker state per provider, for /health. */
  breakerStates(): Partial<Record<ProviderName, BreakerState>> {
    return Object.fromEntries(this.#entries.map((e) => [e.name, e.breaker.state]));
  }

  async close(): Promise<void> {
    await Promise.all(this.#entries.map((e) => e.fetcher.close?.()));
  }

  async #try(
    entry: Entry,
    spec: SymbolSpec,
    range: FetchRange,
    signal: AbortSignal | undefined,
    rejects: Reject[],
    unpaced: boolean,
  ): Promise<{ bars: Bar[] } | { failure: ProviderFailure; stop?: boolean }> {
    const { name } = entry;
    const { metrics } = this.#deps;
    const skip = (code: RejectReason, detail: string, outcome: RequestOutcome, stop = false): { failure: ProviderFailure; stop: boolean } => {
      metrics.fetches.inc({ provider: name, outcome });
      return { failure: { provider: name, code, detail, skipped: true }, stop };
    };
    const now = this.#clock.now();
    if (!entry.breaker.allows()) return skip('provider_error', 'circuit breaker open', 'breaker_open');
    const pace = unpaced ? 'due' : this.#pacer.check(name, spec.symbol, now);
    if (pace === 'blocked') return skip('rate_limited', 'backing off after a rate-limit answer', 'not_due');
    if (pace === 'wait') {
      const fresh = this.#pacer.recentlyServed(name, spec.symbol, now);
      const waiting = skip('rate_limited', 'not due yet (quota pacing)', 'not_due', fresh);
      waiting.failure.paced = true;
      return waiting;
    }
    if (!unpaced) this.#pacer.spend(name, spec.symbol, now);
    if (entry.limits.length > 0 && !(await this.#acquire(entry, now))) {
      this.#pacer.block(name, windowEnd('minute', now));
      metrics.rejects.inc({ reason: 'rate_limited', provider: name });
      return skip('rate_limited', 'request quota spent for this window', 'quota_spent');
    }
    try {
      const accepted = await entry.breaker.execute(async () => {
        const endRequest = metrics.providerSeconds.startTimer({ provider: name });
        const result = await entry.fetcher.fetchBars(spec, range, signal).finally(() => endRequest());
        const checked = validateBars(result.bars, { now: this.#clock.now() });
        const refused = [...result.rejects, ...checked.rejects];
        for (const r of refused) metrics.rejects.inc({ reason: r.reason, provider: name });
        rejects.push(...refused.map((r) => ({ ...r, detail: `${name}: ${r.detail}` })));
        // A payload whose every bar is refused counts against the breaker like an error.
        if (checked.accepted.length === 0 && refused.length > 0) throw new InvalidPayloadError(refused);
        return checked.accepted;
      });
      this.#pacer.served(name, spec.symbol, this.#clock.now());
      metrics.fetches.inc({ provider: name, outcome: 'ok' });
      this.#answered(name);
      return { bars: accepted };
    } catch (error) {
      return { failure: this.#failed(name, spec.symbol, error) };
    }
  }

  #failed(name: ProviderName, symbol: string, error: unknown): ProviderFailure {
    const { metrics } = this.#deps;
    if (error instanceof BrokenCircuitError) {
      metrics.fetches.inc({ provider: name, outcome: 'breaker_open' });
      return { provider: name, code: 'provider_error', detail: 'circuit breaker open', skipped: true };
    }
    if (error instanceof InvalidPayloadError) {
      metrics.fetches.inc({ provider: name, outcome: 'invalid' });
      const code = error.rejects[0]?.reason ?? 'parse_error';
      this.#requestFailed(name, symbol, code, error.message);
      return { provider: name, code, detail: error.message, skipped: false };
    }
    // Typed as an outcome so that a new error code cannot miss its zero-initialised series.
    const code: ProviderErrorCode & RequestOutcome = error instanceof ProviderError ? error.code : 'provider_error';
    const detail = error instanceof Error ? error.message : String(error);
    if (code === 'rate_limited') this.#pacer.block(name, windowEnd('minute', this.#clock.now()));
    metrics.rejects.inc({ reason: code, provider: name });
    metrics.fetches.inc({ provider: name, outcome: code });
    this.#requestFailed(name, symbol, code, detail);
    return { provider: name, code, detail, skipped: false };
  }

  /** One warn line when a provider starts failing; the rest of the run of failures is counted, not logged. */
  #requestFailed(name: ProviderName, symbol: string, reason: RejectReason, detail: string): void {
    const failed = (this.#failing.get(name) ?? 0) + 1;
    this.#failing.set(name, failed);
    const log = failed === 1 ? this.#deps.logger.warn.bind(this.#deps.logger) : this.#deps.logger.debug.bind(this.#deps.logger);
    log({ provider: name, symbol, reason, detail }, 'provider requests failing');
  }

  #answered(name: ProviderName): void {
    const failed = this.#failing.get(name);
    if (failed === undefined) return;
    this.#failing.delete(name);
    this.#deps.logger.info({ provider: name, failedRequests: failed }, 'provider answering again');
  }

  /** Spends one request of the provider's quota; says once when the quota runs out and once when it is back. */
  async #acquire(entry: Entry, now: number): Promise<boolean> {
    const quota = this.#deps.quota!;
    const granted = await quota.tryAcquire(entry.name, entry.limits, now);
    if (granted) {
      if (this.#quotaSpent.delete(entry.name)) this.#deps.logger.info({ provider: entry.name }, 'provider quota available again');
    } else if (!this.#quotaSpent.has(entry.name)) {
      this.#quotaSpent.add(entry.name);
      const spent = quota.spent(entry.name, entry.limits, now);
      const windows = entry.limits.filter((l, i) => spent[i]! >= l.limit);
      const resetsAt = Math.max(windowEnd('minute', now), ...windows.map((l) => windowEnd(l.window, now)));
      this.#deps.logger.warn(
        { provider: entry.name, windows: windows.map((l) => l.window), resetsAt: new Date(resetsAt).toISOString() },
        'provider quota exhausted: other providers serve until it resets',
      );
    }
    return granted;
  }

  #quotaReadings(): QuotaReading[] {
    const { quota } = this.#deps;
    if (!quota) return [];
    const now = this.#clock.now();
    return this.#entries.flatMap((e) => {
      const spent = quota.spent(e.name, e.limits, now);
      return e.limits.map((l, i) => ({ provider: e.name, window: l.window, remaining: Math.max(0, l.limit - spent[i]!) }));
    });
  }

  #watch(name: ProviderName, breaker: ProviderBreaker): void {
    const { metrics, logger } = this.#deps;
    breaker.policy.onStateChange((state) => {
      const label = breaker.state;
      metrics.breakerState.set({ provider: name }, state === CircuitState.Closed ? 0 : 1);
      const log = state === CircuitState.Open ? logger.warn.bind(logger) : logger.info.bind(logger);
      log({ provider: name, breaker: label }, `circuit breaker ${label}`);
    });
  }
}
