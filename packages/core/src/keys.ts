import type { Interval } from './types';

/** The Redis key schema of docs/architecture.md §4; one prefix isolates a deployment or a test. */
export const DEFAULT_REDIS_PREFIX = 'md:v1:';

/** Every interval the pipeline keeps, base first: 1m is collected, the others are resampled from it. */
export const INTERVALS: readonly Interval[] = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'];

export function isInterval(value: unknown): value is Interval {
  return typeof value === 'string' && (INTERVALS as readonly string[]).includes(value);
}

export interface RedisKeys {
  readonly prefix: string;
  /** the 1m keys; the same as `formingOf('1m')` etc. */
  readonly forming: string;
  readonly features: string;
  readonly signals: string;
  /** hash SYM → ms of the last successful poll: the age behind `ageMs`/`stale` */
  readonly seen: string;
  readonly state: string;
  /**
   * counter every cycle write increments (INCR): a reader that cached what it decoded asks
   * only this, one small reply, to learn whether anything (signals, features, seen) changed
   */
  readonly version: string;
  readonly symbols: string;
  readonly apiKeys: string;
  bars(symbol: string, interval?: Interval): string;
  /** hash SYM → forming bar of `interval`: `md:v1:forming` for 1m (unchanged), `md:v1:forming:5m` for the others */
  formingOf(interval: Interval): string;
  /** hash SYM → latest features of `interval`: `md:v1:feat` for 1m, `md:v1:feat:{iv}` otherwise */
  featuresOf(interval: Interval): string;
  /** hash SYM → latest signal of `interval`: `md:v1:sig` for 1m, `md:v1:sig:{iv}` otherwise */
  signalsOf(interval: Interval): string;
  /** hash SYM → engine state of `interval`: `md:v1:state` for 1m, `md:v1:state:{iv}` otherwise */
  stateOf(interval: Interval): string;
  heartbeat(collectorId: string): string;
  heartbeatPattern(): string;
  quota(provider: string, window: string): string;
}

export function redisKeys(prefix: string = DEFAULT_REDIS_PREFIX): RedisKeys {
  // The 1m keys predate the other intervals and keep their unsuffixed names (readers depend on them).
  const perInterval = (base: string) => (interval: Interval) => (interval === '1m' ? `${prefix}${base}` : `${prefix}${base}:${interval}`);
  return {
    prefix,
    forming: `${prefix}forming`,
    features: `${prefix}feat`,
    signals: `${prefix}sig`,
    seen: `${prefix}seen`,
    state: `${prefix}state`,
    version: `${prefix}version`,
    symbols: `${prefix}symbols`,
    apiKeys: `${prefix}apikeys`,
    bars: (symbol, interval = '1m') => `${prefix}bars:${symbol}:${interval}`,
    formingOf: perInterval('forming'),
    featuresOf: perInterval('feat'),
    signalsOf: perInterval('sig'),
    stateOf: perInterval('state'),
    heartbeat: (collectorId) => `${prefix}collector:${collectorId}:heartbeat`,
    heartbeatPattern: () => `${prefix}collector:*:heartbeat`,
    quota: (provider, window) => `${prefix}quota:${provider}:${window}`,
  };
}
