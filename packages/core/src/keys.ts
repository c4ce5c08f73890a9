/** The Redis key schema of docs/architecture.md §4; one prefix isolates a deployment or a test. */
export const DEFAULT_REDIS_PREFIX = 'md:v1:';

export interface RedisKeys {
  readonly prefix: string;
  readonly forming: string;
  readonly features: string;
  readonly signals: string;
  /** hash SYM → ms of the last successful poll: the age behind `ageMs`/`stale` */
  readonly seen: string;
  readonly state: string;
  readonly symbols: string;
  readonly apiKeys: string;
  bars(symbol: string, interval?: string): string;
  heartbeat(collectorId: string): string;
  heartbeatPattern(): string;
  quota(provider: string, window: string): string;
}

export function redisKeys(prefix: string = DEFAULT_REDIS_PREFIX): RedisKeys {
  return {
    prefix,
    forming: `${prefix}forming`,
    features: `${prefix}feat`,
    signals: `${prefix}sig`,
    seen: `${prefix}seen`,
    state: `${prefix}state`,
    symbols: `${prefix}symbols`,
    apiKeys: `${prefix}apikeys`,
    bars: (symbol, interval = '1m') => `${prefix}bars:${symbol}:${interval}`,
    heartbeat: (collectorId) => `${prefix}collector:${collectorId}:heartbeat`,
    heartbeatPattern: () => `${prefix}collector:*:heartbeat`,
    quota: (provider, window) => `${prefix}quota:${provider}:${window}`,
  };
}
