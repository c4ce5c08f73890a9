import { prng } from '@marketpipe/testkit';
import type { Bar, SymbolSpec } from '@marketpipe/core';
import type { SourceContext } from '../src/collector';
import type { BuiltSources } from '../src/sources';
import { ProviderChain } from '../src/providers/chain';
import { statusError } from '../src/providers/http';
import { ProviderError, type BarFetcher, type FetchRange, type FetchResult } from '../src/providers/types';
import { SimFetcher } from '../src/providers/sim/sim-fetcher';

export const FAULT_KINDS = ['timeout', 'http5xx', 'bad_payload'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A stretch of the run during which every request to the primary fails the same way. */
export interface Storm {
  fault: FaultKind;
  fromMs: number;
  toMs: number;
}

export interface FaultPlan {
  /** chance per request outside storms (sporadic faults the breaker should mostly ride out) */
  rates: Record<FaultKind, number>;
  storms: Storm[];
  seed: number;
}


/** Decides, request by request, whether the primary provider misbehaves and how. */
export class FaultScript {
  readonly injected: Record<FaultKind, number> = { timeout: 0, http5xx: 0, bad_payload: 0 };
  requests = 0;
  #startedAt = Date.now();
  readonly #random: () => number;

  constructor(readonly plan: FaultPlan) {
    this.#random = prng(plan.seed);
  }

  /** Storm times count from here (the backfill before it sees only sporadic faults). */
  startClock(): void {
    this.#startedAt = Date.now();
  }

  next(): { fault: FaultKind; storm: boolean } | null {
    this.requests++;
    const t = Date.now() - this.#startedAt;
    const storm = this.plan.storms.find((s) => t >= s.fromMs && t < s.toMs);
    let hit: { fault: FaultKind; storm: boolean } | null = storm ? { fault: storm.fault, storm: true } : null;
    if (!hit) {
      let r = this.#random();
      for (const fault of FAULT_KINDS) {
        if (r < this.plan.rates[fault]) {
          hit = { fault, storm: false };
          break;
        }
        r -= this.plan.rates[fault];
      }
    }
    if (hit) this.injected[hit.fault]++;
    return hit;
  }
}

const corrupt = (bar: Bar, i: number): Bar =>
  i % 2 === 0 ? { ...bar, close: Number.NaN } : { ...bar, open: -Math.abs(bar.open), low: -Math.abs(bar.low) };

/**
 * The sim feed dressed up as a flaky HTTP provider. It is named 'yahoo' because ProviderName
 * is a closed enum and the chain keys breakers by name; its failures take the same shape as
 * the real adapters' (ProviderError from a timed-out or 5xx GET), so the chain, breaker and
 * metrics see exactly what production would. A timeout really does hold the request for
 * PROVIDER_TIMEOUT_MS, since a slow provider costs cycle time, which is what overruns measure.
 */
export class FaultyFetcher implements BarFetcher {
  readonly name = 'yahoo' as const;
  readonly historyLimitMs: number;

  constructor(
    private readonly sim: SimFetcher,
    private readonly script: FaultScript,
    private readonly timeoutMs: number,
  ) {
    this.historyLimitMs = sim.historyLimitMs;
  }

  supports(): boolean {
    return true;
  }

  async fetchBars(spec: SymbolSpec, range: FetchRange): Promise<FetchResult> {
    const url = `https://soak.invalid/v8/finance/chart/${spec.symbol}?period1=${range.from}&period2=${range.to}`;
    const hit = this.script.next();
    if (hit?.fault === 'timeout') {
      await new Promise((r) => setTimeout(r, this.timeoutMs));
      throw new ProviderError('provider_error', this.name, `GET ${url} timed out after ${this.timeoutMs} ms`);
    }
    if (hit?.fault === 'http5xx') throw statusError(this.name, 503, url, 'Service Unavailable');
    const bars = this.sim.barsSync(spec, range);
    if (hit?.fault !== 'bad_payload' || bars.length === 0) return { bars, rejects: [] };
    // A storm spoils every bar (the chain must fail over); a sporadic fault only the newest,
    // so validation has to pick the bad bar out of an otherwise good payload.
    return { bars: bars.map((b, i) => (hit.storm || i === bars.length - 1 ? corrupt(b, i) : b)), rejects: [] };
  }
}

/**
 * The `sources` override: the faulty primary, and a clean sim behind it as the fail-over, in
 * one ProviderChain with the configured breaker (no quotas: neither is metered).
 */
export function faultySources(script: FaultScript) {
  return async (ctx: SourceContext): Promise<BuiltSources> => {
    const { config } = ctx;
    const primary = new FaultyFetcher(new SimFetcher({ seed: config.SIM_SEED, clock: ctx.clock }), script, config.PROVIDER_TIMEOUT_MS);
    const fallback = new SimFetcher({ seed: config.SIM_SEED, clock: ctx.clock });
    const fetchers = [primary, fallback];
    const chain = new ProviderChain({
      fetchers,
      metrics: ctx.metrics,
      logger: ctx.logger,
      clock: ctx.clock,
      breaker: { failures: config.BREAKER_FAILURES, halfOpenMs: config.BREAKER_HALF_OPEN_MS, maxBackoffMs: config.BREAKER_MAX_BACKOFF_MS },
    });
    return { fetchers, source: chain, health: () => ({ breakers: chain.breakerStates() }), close: () => chain.close() };
  };
}
