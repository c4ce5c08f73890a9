import { isMarketOpen, type SessionSpec, type SymbolSpec } from '@marketpipe/core';

export interface ItemFreshness {
  /** null when the collector has never reported the symbol */
  ageMs: number | null;
  stale: boolean;
  marketOpen: boolean;
}

/** Core's rule: old data is stale while the market is open; unknown age (null) counts as old. */
export const isStale = (ageMs: number | null, marketOpen: boolean, staleAfterMs: number): boolean => marketOpen && (ageMs === null || ageMs > staleAfterMs);

/** The freshness of one symbol's data at one instant. */
export type FreshnessOf = (updatedAt: number | null, spec: SymbolSpec) => ItemFreshness;

/**
 * Freshness at `now` from when the collector last polled each symbol (core's rule: data older
 * than `staleAfterMs` while the market is open is stale; outside the session old data is
 * expected). Unknown age counts as stale while the market is open: never pass data of unknown
 * age off as current. Whether a session is open is computed once per distinct session: a
 * list of 1,000 symbols shares a handful, and each answer costs an Intl call (µs).
 */
export function freshnessAt(now: number, staleAfterMs: number): FreshnessOf {
  const open = new Map<string, boolean>();
  const marketOpen = (session: SessionSpec) => {
    const key = `${session.timezone} ${session.open} ${session.close}`;
    let answer = open.get(key);
    if (answer === undefined) open.set(key, (answer = isMarketOpen(session, now)));
    return answer;
  };
  return (updatedAt, spec) => {
    const isOpen = marketOpen(spec.session);
    const ageMs = updatedAt === null ? null : Math.max(0, now - updatedAt);
    return { ageMs, stale: isStale(ageMs, isOpen, staleAfterMs), marketOpen: isOpen };
  };
}

/** The freshness of one item at `now`. */
export const itemFreshness = (updatedAt: number | null, spec: SymbolSpec, now: number, staleAfterMs: number): ItemFreshness =>
  freshnessAt(now, staleAfterMs)(updatedAt, spec);
