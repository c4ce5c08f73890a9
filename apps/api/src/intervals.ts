import type { Interval } from '@marketpipe/core';
import { IntervalUnavailableError } from './errors';
import type { MarketDataReader } from './ports';

/**
 * After a read of `interval` features or signals found nothing: a 404 naming the intervals
 * that are computed when this one is not among them (the collector computes only its
 * FEATURE_INTERVALS). Which ones are is read from Redis, whose hashes exist exactly for those
 * (docs/architecture.md §4), so the API needs no configuration of its own that could drift
 * from the collector's. Only a miss pays for the check; a hit costs no extra round trip.
 *
 * Before any collector has written anything no interval is computed; that is "nothing yet"
 * (an empty list, or the symbol's 404), not a wrong interval.
 */
export async function requireComputed(market: MarketDataReader, kind: 'features' | 'signals', interval: Interval): Promise<void> {
  const available = await market.computedIntervals(kind);
  if (available.length > 0 && !available.includes(interval)) throw new IntervalUnavailableError(kind, interval, available);
}
