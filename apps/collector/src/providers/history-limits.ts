import { INTERVAL_MS, type Interval, type ProviderName } from '@marketpipe/core';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * One resolution a provider serves history at: how far back it reaches and how much one
 * request may cover. `span: 'month'` is a calendar month per request (Alpha Vantage's `month`).
 */
export interface HistoryTier {
  interval: Interval;
  /** oldest bar reachable, as an age (ms before now) */
  maxAgeMs: number;
  /** the longest range one request returns whole */
  span: number | 'month';
}

/**
 * The providers' real history limits (README "Providers' history limits"), finest first:
 * - Polygon (Massive) aggregates: 2 years on the free tier, at most 50,000 base aggregates
 *   a request (≈ 34 days of round-the-clock minutes); longer answers are paged by `next_url`.
 * - Twelve Data /time_series: `outputsize` ≤ 5,000 bars between start_date and end_date.
 * - Yahoo chart v8: 1m only for the last 30 days, in requests of at most 7 days; 5m–30m for
 *   60 days; 1h for 730 days.
 * - Alpha Vantage intraday: one calendar month a request (`month=YYYY-MM&outputsize=full`).
 * - sim: anything; a day a request keeps each write (and each checkpoint) small.
 */
export const HISTORY_LIMITS: Record<ProviderName, readonly HistoryTier[]> = {
  polygon: [{ interval: '1m', maxAgeMs: 730 * DAY, span: 50_000 * MINUTE }],
  twelvedata: [{ interval: '1m', maxAgeMs: 730 * DAY, span: 5_000 * MINUTE }],
  yahoo: [
    { interval: '1m', maxAgeMs: 30 * DAY, span: 7 * DAY },
    { interval: '5m', maxAgeMs: 60 * DAY, span: 60 * DAY },
    { interval: '1h', maxAgeMs: 730 * DAY, span: 730 * DAY },
  ],
  alphavantage: [{ interval: '1m', maxAgeMs: 730 * DAY, span: 'month' }],
  sim: [{ interval: '1m', maxAgeMs: 400 * DAY, span: DAY }],
};

/** Splits [from, to] (bar open times) into the requests one tier needs, oldest first. */
export function splitRange(from: number, to: number, tier: HistoryTier): Array<{ from: number; to: number }> {
  const step = INTERVAL_MS[tier.interval];
  const out: Array<{ from: number; to: number }> = [];
  for (let start = from; start <= to; ) {
    const end = Math.min(to, tier.span === 'month' ? monthEnd(start, step) : start + tier.span - step);
    out.push({ from: start, to: end });
    start = end + step;
  }
  return out;
}

/** The last bar open time of the UTC calendar month holding `ts`. */
function monthEnd(ts: number, step: number): number {
  const d = new Date(ts);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - step;
}
