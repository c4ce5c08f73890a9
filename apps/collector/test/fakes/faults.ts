/**
 * Faults a fake provider can be told to produce. Transport and body faults replace the
 * response; bar faults corrupt the recorded bars inside an otherwise valid response.
 */
export const FAULTS = [
  'none',
  /** accept the request and never answer */
  'timeout',
  'http500',
  'http429',
  /** the provider's own throttle answer (Alpha Vantage `Note`, Twelve Data code 429 with HTTP 200) */
  'rate_limit_body',
  /** the provider's recorded error answer (unknown symbol, not entitled, invalid call) */
  'error_body',
  'malformed_json',
  /** NaN / negative / zero prices in the newest bars */
  'bad_prices',
  'duplicate_ts',
  'out_of_order',
] as const;

export type Fault = (typeof FAULTS)[number];

export interface Row {
  /** bar open time, ms */
  ts: number;
}

/** Moves the newest rows' positions so timestamps repeat or go backwards (values stay). */
export function disorder<T extends Row>(rows: T[], fault: 'duplicate_ts' | 'out_of_order'): T[] {
  if (rows.length < 3) return rows;
  const out = rows.slice();
  const n = out.length;
  if (fault === 'duplicate_ts') {
    out.splice(n - 1, 0, { ...out[n - 2]! });
  } else {
    const a = out[n - 3]!;
    out[n - 3] = out[n - 2]!;
    out[n - 2] = a;
  }
  return out;
}

/** Indices of the newest three rows, which 'bad_prices' turns into NaN, negative and zero. */
export function badPriceTargets(length: number): Array<{ index: number; value: number }> {
  return [
    { index: length - 1, value: Number.NaN },
    { index: length - 2, value: -1.5 },
    { index: length - 3, value: 0 },
  ].filter((t) => t.index >= 0);
}
