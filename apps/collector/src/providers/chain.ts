import { systemClock, type Bar, type Clock, type ProviderName, type Reject, type SymbolSpec } from '@marketpipe/core';
import type { CollectorMetrics } from '../metrics';
import type { Logger } from '../logger';
import type { DeliverResult, FetchPurpose } from '../ports';
import { mapBounded } from '../concurrency';
import type { BreakerOptions, BreakerState } from './breaker';
import { pacingInterval } from './limits';
import { Pacer } from './pacer';
import { ProviderEntry, type ProviderFailure, type Refusal } from './provider-entry';
import type { QuotaLimit, QuotaStore } from './quota';
import { ServingLog } from './serving';
import { ProviderError, type BarFetcher, type BatchItem, type FetchRange, type FetchResult } from './types';

export type { ProviderFailure } from './provider-entry';

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

const DEFAULT_BREAKER: BreakerOptions = { failures: 5, halfOpenMs: 5_000, maxBackoffMs: 300_000 };
const NO_FAILURES: readonly ProviderFailure[] = [];

/** Bars stamped with the provider that served them (the array itself when they already are). */
function withSource(bars: Bar[], name: ProviderName): Bar[] {
  return bars.every((b) => b.source === name) ? bars : bars.map((b) => (b.source === name ? b : { ...b, source: name }));
}

/**
 * Per symbol, tries providers in priority order and returns the first usable answer. A
 * provider is skipped when it has no mapping for the symbol, its breaker is open, its quota
 * pacing says not yet, or its quota is spent. When a provider is merely not due and its last
 * answer for the symbol was good, the chain stops there (provider: null, rate_limited) instead
 * of spending a lower-priority provider's scarcer quota: the caller keeps serving that data.
 */
export class ProviderChain {
  readonly #entries: ProviderEntry[];
  readonly #clock: Clock;
  readonly #serving: ServingLog;

  constructor(deps: ProviderChainDeps) {
    this.#clock = deps.clock ?? systemClock;
    this.#serving = new ServingLog(deps.logger);
    const breaker = { ...DEFAULT_BREAKER, ...deps.breaker };
    const limits = deps.fetchers.map((f) => deps.limits?.[f.name] ?? []);
    const pacer = new Pacer(Object.fromEntries(deps.fetchers.flatMap((f, i) => (limits[i]!.length > 0 ? [[f.name, pacingInterval(limits[i]!)]] : []))));
    const entryDeps = { pacer, clock: this.#clock, quota: deps.quota, metrics: deps.metrics, logger: deps.logger };
    this.#entries = deps.fetchers.map((f, i) => new ProviderEntry(f, limits[i]!, breaker, entryDeps));
    deps.metrics.readQuotaFrom(() => this.#entries.flatMap((e) => e.quotaReadings(this.#clock.now())));
  }

  /**
   * `purpose: 'history'` (catch-up, bootstrap) asks only providers that serve history and skips
   * the live pacing, which spreads a quota over polls of the current minute; quotas and
   * breakers still apply.
   */
  fetch(spec: SymbolSpec, range: FetchRange, opts: { purpose?: FetchPurpose; signal?: AbortSignal; only?: ProviderName } = {}): Promise<ChainResult> {
    return this.#fetchFrom(0, spec, range, opts, [], []);
  }

  /**
   * A cycle's symbols at once (the orchestrator's poll). A symbol whose first provider answers
   * batches (Twelve Data's comma-separated list) goes to it with others, up to its batch size a
   * request, one quota credit spent per symbol as the provider bills; pacing and the breaker
   * apply as to a request of its own. A symbol the batch did not serve (its own error in the
   * answer, a failed request, pacing, quota) goes on down the chain alone from the next
   * provider, as `fetch` would. The other symbols go through `fetch`. At most `concurrency`
   * requests are in flight (a batch is one), the batches first.
   */
  async fetchEach(items: readonly BatchItem[], deliver: DeliverResult, concurrency: number): Promise<void> {
    const alone: (() => Promise<void>)[] = [];
    const batches = new Map<number, number[]>();
    for (let i = 0; i < items.length; i++) {
      const first = this.#entries.findIndex((e) => e.fetcher.supports(items[i]!.spec));
      if (first >= 0 && this.#entries[first]!.fetcher.batch) {
        const group = batches.get(first);
        if (group) group.push(i);
        else batches.set(first, [i]);
      } else alone.push(() => this.#onward(items, i, 0, [], deliver));
    }
    const requests: (() => Promise<void>)[] = [];
    for (const [at, indices] of batches) {
      const size = this.#entries[at]!.fetcher.batch!.size;
      for (let k = 0; k < indices.length; k += size) requests.push(() => this.#batch(at, items, indices.slice(k, k + size), deliver));
    }
    await mapBounded(requests.concat(alone), concurrency, (request) => request());
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

  /** The chain from entry `start` on, after the failures met before it. */
  async #fetchFrom(
    start: number,
    spec: SymbolSpec,
    range: FetchRange,
    opts: { purpose?: FetchPurpose; signal?: AbortSignal; only?: ProviderName },
    failures: ProviderFailure[],
    rejects: Reject[],
  ): Promise<ChainResult> {
    const history = opts.purpose === 'history';
    for (let k = start; k < this.#entries.length; k++) {
      const entry = this.#entries[k]!;
      // A bootstrap sized its request for one provider's limits: another could not answer it whole.
      if (opts.only !== undefined && entry.name !== opts.only) continue;
      if (!entry.fetcher.supports(spec)) continue;
      if (history && entry.fetcher.historyLimitMs <= 0) continue;
      const outcome = await this.#try(entry, spec, range, opts.signal, rejects, history);
      if ('bars' in outcome) {
        if (!history) this.#serving.served(spec.symbol, entry.name, failures);
        return { provider: entry.name, bars: withSource(outcome.bars, entry.name), rejects, failures };
      }
      failures.push(outcome.failure);
      if (outcome.stop) break;
    }
    if (!history) this.#serving.unserved(spec.symbol, failures);
    return { provider: null, bars: [], rejects, failures };
  }

  async #try(
    entry: ProviderEntry,
    spec: SymbolSpec,
    range: FetchRange,
    signal: AbortSignal | undefined,
    rejects: Reject[],
    unpaced: boolean,
  ): Promise<{ bars: Bar[] } | Refusal> {
    const now = this.#clock.now();
    const refused = entry.admit(spec.symbol, now, unpaced) ?? (await entry.spend(now, 1));
    if (refused) return refused;
    try {
      const accepted = await entry.breaker.execute(async () => {
        const result = await entry.timed(() => entry.fetcher.fetchBars(spec, range, signal));
        return entry.checked(result, rejects, this.#clock.now());
      });
      entry.served(spec.symbol, this.#clock.now());
      entry.answered();
      return { bars: accepted };
    } catch (error) {
      return { failure: entry.failed(spec.symbol, error) };
    }
  }

  /**
   * One batch request for the symbols at `indices`, all of whose first provider is entry `at`.
   * A symbol's own error inside an answered batch is that symbol's, not the provider's: it goes
   * on down the chain without counting against the breaker.
   */
  async #batch(at: number, items: readonly BatchItem[], indices: readonly number[], deliver: DeliverResult): Promise<void> {
    const entry = this.#entries[at]!;
    const onward: Promise<void>[] = [];
    const pass = (i: number, refusal: Refusal) => onward.push(this.#onward(items, i, refusal.stop ? this.#entries.length : at + 1, [refusal.failure], deliver));
    const now = this.#clock.now();
    let asked: number[] = [];
    for (const i of indices) {
      const refused = entry.admit(items[i]!.spec.symbol, now, false);
      if (refused) pass(i, refused);
      else asked.push(i);
    }
    const outOfQuota = asked.length > 0 ? await entry.spend(now, asked.length) : null;
    if (outOfQuota) for (const i of asked.splice(0)) pass(i, outOfQuota);
    let answers = new Map<string, FetchResult | ProviderError>();
    if (asked.length > 0) {
      try {
        answers = await entry.breaker.execute(() => entry.timed(() => entry.fetcher.batch!.fetch(asked.map((i) => items[i]!))));
        entry.answered();
      } catch (error) {
        const failure = entry.failed(`${asked.length} symbols from ${items[asked[0]!]!.spec.symbol}`, error);
        for (const i of asked) pass(i, { failure });
        asked = [];
      }
    }
    const servedAt = this.#clock.now();
    for (const i of asked) {
      const { symbol } = items[i]!.spec;
      const outcome = answers.get(symbol) ?? new ProviderError('parse_error', entry.name, `no answer for ${symbol} in the batch`);
      const rejects: Reject[] = [];
      let bars: Bar[];
      try {
        if (outcome instanceof ProviderError) throw outcome;
        bars = entry.checked(outcome, rejects, servedAt);
      } catch (error) {
        pass(i, { failure: entry.symbolFailed(symbol, error) });
        continue;
      }
      entry.served(symbol, servedAt);
      this.#serving.served(symbol, entry.name, NO_FAILURES);
      deliver(i, { provider: entry.name, bars: withSource(bars, entry.name), rejects });
    }
    await Promise.all(onward);
  }

  /** Item `i` through the chain alone from entry `start`, after the failures it met before. */
  #onward(items: readonly BatchItem[], i: number, start: number, failures: ProviderFailure[], deliver: DeliverResult): Promise<void> {
    const { spec, range } = items[i]!;
    return this.#fetchFrom(start, spec, range, {}, failures, []).then(
      (result) => deliver(i, result),
      (error: unknown) => deliver(i, null, error),
    );
  }
}
