import { freshness, isMarketOpen, type SymbolSpec } from '@marketpipe/core';

export interface ItemFreshness {
  /** null when the collector has never reported the symbol */
  ageMs: number | null;
  stale: boolean;
  marketOpen: boolean;
}

/**
 * Freshness of one symbol's data from when the collector last polled it. Unknown age counts
 * as stale while the market is open: never pass data of unknown age off as current.
 */
export function itemFreshness(updatedAt: number | null, spec: SymbolSpec, now: number, staleAfterMs: number): ItemFreshness {
  if (updatedAt === null) {
    const marketOpen = isMarketOpen(spec.session, now);
    return { ageMs: null, stale: marketOpen, marketOpen };
  }
  return freshness(updatedAt, now, spec.session, staleAfterMs);
}
