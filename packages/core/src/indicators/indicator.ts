/**
 * The contract every streaming indicator keeps (docs/architecture.md §3 "Forming bars", "State").
 *
 * The series an indicator sees is its committed values plus, optionally, one forming value.
 * `add` commits a value (dropping any forming one); `replace` swaps the forming value and
 * computes what a batch over committed-values-plus-it would give, reading the committed
 * state without writing it, so the next `add` builds on exactly what it would have anyway.
 *
 * Outputs live in plain number fields, NaN while not warm: a field that mixes null and
 * doubles would box every store, an allocation per update. `result` is the public,
 * null-mapped view. `add`/`replace` return nothing for the same reason.
 */
export interface StreamingIndicator<In, Out, State> {
  add(input: In): void;
  replace(input: In): void;
  /** null until warm (or when undefined, e.g. VWAP without volume); never NaN/Infinity */
  readonly result: Out | null;
  /** true once the lookback is filled (the committed or forming value has a result) */
  readonly isStable: boolean;
  reset(): void;
  /** committed state as a plain object (numbers and arrays only): JSON and msgpack safe */
  snapshot(): State;
  restore(state: State): void;
}

/** NaN marks "no value" internally; the public surface says null. */
export function orNull(x: number): number | null {
  return x === x ? x : null;
}
