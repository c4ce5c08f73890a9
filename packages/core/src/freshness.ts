import type { SessionSpec } from './session';
import { isMarketOpen } from './session';

export interface Freshness {
  ageMs: number;
  stale: boolean;
  marketOpen: boolean;
}

/**
 * Age of a value and whether it may be served as current. Outside the session old data is
 * expected, so it is never called stale there.
 */
export function freshness(updatedAt: number, now: number, session: SessionSpec, staleAfterMs: number): Freshness {
  const ageMs = Math.max(0, now - updatedAt);
  const marketOpen = isMarketOpen(session, now);
  return { ageMs, stale: marketOpen && ageMs > staleAfterMs, marketOpen };
}
