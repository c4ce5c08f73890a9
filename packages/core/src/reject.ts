/** Reasons a bar or a payload is refused; counted in metrics under these codes (docs/architecture.md §2). */
export const REJECT_REASONS = [
  'non_finite',
  'non_positive_price',
  'high_below_body',
  'low_above_body',
  'negative_volume',
  'misaligned_ts',
  'future_ts',
  'duplicate_ts',
  'out_of_order',
  'spike_suspect',
  'parse_error',
  'provider_error',
  'rate_limited',
  'wrong_interval',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Reject {
  reason: RejectReason;
  symbol: string;
  ts?: number;
  detail: string;
}
