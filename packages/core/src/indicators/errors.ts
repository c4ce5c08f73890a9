export type IndicatorErrorCode = 'invalid_period' | 'invalid_snapshot';

/** Raised for a misconfigured indicator or a snapshot that does not fit it. */
export class IndicatorError extends Error {
  constructor(
    readonly code: IndicatorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IndicatorError';
  }
}

export function checkPeriod(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new IndicatorError('invalid_period', `${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** Restoring a snapshot taken with other settings would silently compute something else. */
export function checkSnapshot(ok: boolean, kind: string): asserts ok {
  if (!ok) throw new IndicatorError('invalid_snapshot', `snapshot does not fit this ${kind}`);
}

/** Ring buffers live in Float64Array (unboxed doubles); snapshots carry plain arrays. */
export function restoreRing(ring: Float64Array, values: readonly number[], kind: string): void {
  checkSnapshot(Array.isArray(values) && values.length === ring.length, kind);
  ring.set(values);
}
