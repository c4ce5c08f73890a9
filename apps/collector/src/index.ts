export { loadConfig, ConfigSchema, ConfigError, type CollectorConfig } from './config';
export { startCollector, VERSION, type RunningCollector, type CollectorOptions } from './collector';
export { RedisBarWindow, BAR_WINDOW } from './redis/redis-bar-window';
export { createBinaryRedisClient } from './redis/client';
export { LibsqlHistoryStore } from './history/libsql-history-store';
export { SimFetcher } from './providers/sim/sim-fetcher';
