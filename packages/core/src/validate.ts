import type { Bar } from './types';
import { INTERVAL_MS } from './types';
import type { Reject, RejectReason } from './reject';

export interface ValidateOptions {
  /** current time (ms); a bar opening after the current interval is `future_ts` */
  now: number;
  /** allowed clock skew before a bar counts as from the future */
  futureToleranceMs?: number;
}

function reject(bar: Bar, reason: RejectReason, detail: string): Reject {
  return { reason, symbol: bar.symbol, ts: bar.ts, detail };
}

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const nonFinite = (bar: Bar, name: string, v: unknown): Reject => reject(bar, 'non_finite', `${name} is ${String(v)}`);

/** Checks one bar on its own; returns the first problem found, or null when it is sound. */
export function validateBar(bar: Bar, opts: ValidateOptions): Reject | null {
  const { ts, open, high, low, close, volume } = bar;
  // Field by field rather than over a list of pairs: this runs for every bar of every poll.
  if (!finite(ts)) return nonFinite(bar, 'ts', ts);
  if (!finite(open)) return nonFinite(bar, 'open', open);
  if (!finite(high)) return nonFinite(bar, 'high', high);
  if (!finite(low)) return nonFinite(bar, 'low', low);
  if (!finite(close)) return nonFinite(bar, 'close', close);
  if (!finite(volume)) return nonFinite(bar, 'volume', volume);
  if (open <= 0 || high <= 0 || low <= 0 || close <= 0) {
    return reject(bar, 'non_positive_price', `prices must be > 0 (o=${open} h=${high} l=${low} c=${close})`);
  }
  if (high < Math.max(open, close) || high < low) {
    return reject(bar, 'high_below_body', `high ${high} below open/close/low (o=${open} c=${close} l=${low})`);
  }
  if (low > Math.min(open, close)) {
    return reject(bar, 'low_above_body', `low ${low} above open/close (o=${open} c=${close})`);
  }
  if (volume < 0) return reject(bar, 'negative_volume', `volume ${volume} < 0`);
  const intervalMs = INTERVAL_MS[bar.interval];
  if (intervalMs === undefined || ts % intervalMs !== 0) {
    return reject(bar, 'misaligned_ts', `ts ${ts} is not aligned to ${bar.interval}`);
  }
  const tolerance = opts.futureToleranceMs ?? 2_000;
  if (ts > opts.now + tolerance) {
    return reject(bar, 'future_ts', `bar opens at ${new Date(ts).toISOString()}, after now ${new Date(opts.now).toISOString()}`);
  }
  return null;
}

export interface ValidationResult {
  accepted: Bar[];
  rejects: Reject[];
}

/**
 * Validates a provider payload for one symbol: each bar on its own, then the sequence
 * (strictly increasing timestamps). A duplicate or out-of-order bar is rejected, the first
 * occurrence kept, so a bad payload never rewrites good history.
 */
export function validateBars(bars: readonly Bar[], opts: ValidateOptions): ValidationResult {
  const accepted: Bar[] = [];
  const rejects: Reject[] = [];
  let lastTs = Number.NEGATIVE_INFINITY;
  for (const bar of bars) {
    const problem = validateBar(bar, opts);
    if (problem) {
      rejects.push(problem);
      continue;
    }
    if (bar.ts === lastTs) {
      rejects.push(reject(bar, 'duplicate_ts', `ts ${bar.ts} appears more than once`));
      continue;
    }
    if (bar.ts < lastTs) {
      rejects.push(reject(bar, 'out_of_order', `ts ${bar.ts} comes after ${lastTs}`));
      continue;
    }
    lastTs = bar.ts;
    accepted.push(bar);
  }
  return { accepted, rejects };
}
