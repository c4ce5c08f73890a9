import type { ProviderName } from '@marketpipe/core';
import type { CollectorConfig } from '../config';
import { WINDOW_MS, type QuotaLimit } from './quota';

export type LimitConfig = Pick<
  CollectorConfig,
  | 'YAHOO_RATE_PER_MIN'
  | 'ALPHAVANTAGE_PER_MIN'
  | 'ALPHAVANTAGE_PER_DAY'
  | 'TWELVEDATA_PER_MIN'
  | 'TWELVEDATA_PER_DAY'
  | 'POLYGON_PER_MIN'
>;

/** Each provider's request quotas (free tiers by default); `sim` has none. */
export function quotaLimits(config: LimitConfig): Partial<Record<ProviderName, QuotaLimit[]>> {
  return {
    yahoo: [{ window: 'minute', limit: config.YAHOO_RATE_PER_MIN }],
    alphavantage: [
      { window: 'minute', limit: config.ALPHAVANTAGE_PER_MIN },
      { window: 'day', limit: config.ALPHAVANTAGE_PER_DAY },
    ],
    twelvedata: [
      { window: 'minute', limit: config.TWELVEDATA_PER_MIN },
      { window: 'day', limit: config.TWELVEDATA_PER_DAY },
    ],
    polygon: [{ window: 'minute', limit: config.POLYGON_PER_MIN }],
  };
}

/**
 * The spacing that lets a quota last its whole window: 25/day is one request every 57.6 min,
 * not 5 in the first minute and nothing for the rest of the day.
 */
export function pacingInterval(limits: readonly QuotaLimit[]): number {
  return limits.reduce((max, l) => Math.max(max, WINDOW_MS[l.window] / l.limit), 0);
}
