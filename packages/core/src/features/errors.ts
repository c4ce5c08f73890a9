export type FeatureEngineErrorCode = 'invalid_options' | 'non_finite_input' | 'out_of_order' | 'no_data' | 'invalid_snapshot';

export class FeatureEngineError extends Error {
  constructor(
    readonly code: FeatureEngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FeatureEngineError';
  }
}
