/** How long a symbol counts as sharing a provider's quota after it last asked for it. */
const ACTIVE_MS = 60_000;

interface SymbolPace {
  nextAt: number;
  askedAt: number;
  spentAt: number;
  servedAt: number;
}

interface ProviderPace {
  intervalMs: number;
  /** set after a rate-limit answer: nothing before this */
  blockedUntil: number;
  symbols: Map<string, SymbolPace>;
  /**
   * Symbols active as of `countedAt`, kept up to date by `check` while the clock stands still:
   * a poll of thousands of symbols reads one `now`, and counting them all at every spend
   * was quadratic (25 million steps a second at 5,000 symbols).
   */
  active: number;
  countedAt: number;
}

export type PaceDecision = 'due' | 'wait' | 'blocked';

/**
 * Spreads a provider's quota evenly over time and fairly over symbols: each symbol is polled
 * once per interval × active symbols, so on average the provider sees one request per interval
 * and no symbol starves the others. There is deliberately no provider-wide spacing: the loop
 * asks for all symbols in the same instant, and spacing them would hand all but one to a
 * lower-priority provider every cycle. Bursts stay bounded by the Redis quota counters, which
 * also survive a restart (this spacing is in memory).
 */
export class Pacer {
  readonly #paces = new Map<string, ProviderPace>();

  constructor(intervals: Readonly<Record<string, number>>) {
    for (const [provider, intervalMs] of Object.entries(intervals)) {
      this.#paces.set(provider, { intervalMs, blockedUntil: 0, symbols: new Map(), active: 0, countedAt: Number.NaN });
    }
  }

  check(provider: string, symbol: string, now: number): PaceDecision {
    const pace = this.#paces.get(provider);
    if (!pace) return 'due';
    if (now < pace.blockedUntil) return 'blocked';
    const known = pace.symbols.get(symbol);
    if (now === pace.countedAt && (!known || now - known.askedAt > ACTIVE_MS)) pace.active += 1;
    const s = known ?? this.#symbol(pace, symbol);
    s.askedAt = now;
    return now >= s.nextAt ? 'due' : 'wait';
  }

  /** Books a request now; call synchronously after a 'due' check so concurrent callers see it. */
  spend(provider: string, symbol: string, now: number): void {
    const pace = this.#paces.get(provider);
    if (!pace) return;
    if (now !== pace.countedAt) {
      pace.active = 0;
      for (const s of pace.symbols.values()) if (now - s.askedAt <= ACTIVE_MS) pace.active += 1;
      pace.countedAt = now;
    }
    const s = this.#symbol(pace, symbol);
    s.spentAt = now;
    s.nextAt = now + pace.intervalMs * Math.max(1, pace.active);
  }

  served(provider: string, symbol: string, now: number): void {
    const pace = this.#paces.get(provider);
    if (pace) this.#symbol(pace, symbol).servedAt = now;
  }

  /**
   * True when this symbol's last request to the provider succeeded and is younger than two of
   * its pacing periods: its data is as current as the quota allows, so waiting beats spending
   * a lower-priority provider's (usually scarcer) quota.
   */
  recentlyServed(provider: string, symbol: string, now: number): boolean {
    const s = this.#paces.get(provider)?.symbols.get(symbol);
    if (!s || s.servedAt < s.spentAt) return false;
    return now - s.servedAt <= 2 * (s.nextAt - s.spentAt);
  }

  block(provider: string, until: number): void {
    const pace = this.#paces.get(provider);
    if (pace) pace.blockedUntil = Math.max(pace.blockedUntil, until);
  }

  #symbol(pace: ProviderPace, symbol: string): SymbolPace {
    let s = pace.symbols.get(symbol);
    if (!s) {
      s = { nextAt: 0, askedAt: 0, spentAt: 0, servedAt: Number.NEGATIVE_INFINITY };
      pace.symbols.set(symbol, s);
    }
    return s;
  }
}
