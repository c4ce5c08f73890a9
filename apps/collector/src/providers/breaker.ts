import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IBackoffFactory,
  type IHalfOpenAfterBackoffContext,
} from 'cockatiel';
import { ProviderError } from './types';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** consecutive failures that open the breaker */
  failures: number;
  /** delay before the first half-open probe; doubles (with jitter) after each failed probe */
  halfOpenMs: number;
  maxBackoffMs: number;
}

type Ctx = IHalfOpenAfterBackoffContext;

/**
 * Records when each backoff ends. cockatiel only moves Open → HalfOpen inside execute(), and
 * a second caller during a probe waits for it; knowing the probe time lets the chain skip an
 * open provider without blocking and call through exactly when a probe is due.
 */
function observed(inner: IBackoff<Ctx> | IBackoffFactory<Ctx>, onNext: (ms: number) => void): IBackoffFactory<Ctx> {
  return {
    next(context: Ctx): IBackoff<Ctx> {
      const backoff = inner.next(context);
      onNext(backoff.duration);
      return Object.assign(observed(backoff, onNext), { duration: backoff.duration });
    },
  };
}

/**
 * A provider's circuit breaker. Rate limiting is not a fault of the provider (the pacer backs
 * off instead), so only provider_error and parse_error count towards opening it.
 */
export class ProviderBreaker {
  readonly policy: CircuitBreakerPolicy;
  #probeAt = 0;

  constructor(opts: BreakerOptions) {
    const backoff = new ExponentialBackoff({ initialDelay: opts.halfOpenMs, maxDelay: opts.maxBackoffMs });
    this.policy = circuitBreaker(
      handleWhen((e) => !(e instanceof ProviderError && e.code === 'rate_limited')),
      {
        breaker: new ConsecutiveBreaker(opts.failures),
        halfOpenAfter: observed(backoff, (ms) => {
          this.#probeAt = Date.now() + ms;
        }),
      },
    );
  }

  get state(): BreakerState {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half_open';
      default:
        return 'open';
    }
  }

  /** False while open and no probe is due, or while a probe is in flight. */
  allows(): boolean {
    const state = this.policy.state;
    if (state === CircuitState.Closed) return true;
    if (state === CircuitState.Open) return Date.now() >= this.#probeAt;
    return false;
  }

  execute<T>(fn: () => Promise<T>): Promise<T> {
    return this.policy.execute(fn);
  }
}

export { BrokenCircuitError };
