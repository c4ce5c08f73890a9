import { redisKeys } from '@marketpipe/core';
import type { BarSource } from './ports';
import type { SourceContext } from './collector';
import type { BarFetcher } from './providers/types';
import { createFetchers } from './providers/factory';
import { connectWithin, createRedisClient } from './redis/client';
import { quotaLimits } from './providers/limits';
import { QuotaStore } from './providers/quota';
import { ProviderChain } from './providers/chain';
import { SimFetcher } from './providers/sim/sim-fetcher';

export interface BuiltSources {
  fetchers: BarFetcher[];
  source: BarSource;
  /** the chain itself, when the source is one (a bootstrap asks it for one provider at a time) */
  chain?: ProviderChain;
  health?: () => Record<string, unknown>;
  close?: () => Promise<void>;
}

/**
 * The providers layer as configured: the fetchers in PROVIDERS order (sim included where it
 * is named) behind one ProviderChain with Redis-backed quotas and a breaker per provider.
 */
export async function buildSources(ctx: SourceContext): Promise<BuiltSources> {
  const { config, clock, logger, metrics } = ctx;
  const http = createFetchers(config, { logger, now: () => clock.now() });
  const fetchers: BarFetcher[] = [];
  for (const name of config.PROVIDERS) {
    if (name === 'sim') fetchers.push(new SimFetcher({ seed: config.SIM_SEED, clock }));
    else {
      const f = http.find((x) => x.name === name);
      if (f) fetchers.push(f);
    }
  }
  if (fetchers.length === 0) logger.error({ providers: config.PROVIDERS }, 'no usable provider: every one lacks its key');
  // Its own connection, failing fast like the window's; its outages are logged by the quota store.
  const quotaClient = createRedisClient(ctx.redisUrl, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  quotaClient.on('error', () => undefined);
  await connectWithin(quotaClient, 2_000);
  const chain = new ProviderChain({
    fetchers,
    limits: quotaLimits(config),
    quota: new QuotaStore({
      redis: quotaClient,
      keys: redisKeys(config.REDIS_PREFIX),
      onOffline: (offline) =>
        offline
          ? logger.warn('quota counters unreachable in Redis: counting requests in process, conservatively, until it is back')
          : logger.info('quota counters reachable again: requests spent meanwhile added to Redis'),
    }),
    metrics,
    logger,
    clock,
    breaker: {
      failures: config.BREAKER_FAILURES,
      halfOpenMs: config.BREAKER_HALF_OPEN_MS,
      maxBackoffMs: config.BREAKER_MAX_BACKOFF_MS,
    },
  });
  return {
    fetchers,
    source: chain,
    chain,
    health: () => ({ breakers: chain.breakerStates() }),
    close: async () => {
      await chain.close();
      quotaClient.destroy();
    },
  };
}
