import { createClient } from 'redis';
import { redisKeys } from '@marketpipe/core';
import type { BarSource } from './orchestrator';
import type { SourceContext } from './collector';
import type { BarFetcher } from './providers/types';
import { createFetchers } from './providers/factory';
import { quotaLimits } from './providers/limits';
import { QuotaStore } from './providers/quota';
import { ProviderChain } from './providers/chain';
import { SimFetcher } from './sim/sim-fetcher';

export interface BuiltSources {
  fetchers: BarFetcher[];
  source: BarSource;
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
  const quotaClient = createClient({ url: ctx.redisUrl });
  quotaClient.on('error', (err: unknown) => logger.error({ err }, 'quota redis error'));
  await quotaClient.connect();
  const chain = new ProviderChain({
    fetchers,
    limits: quotaLimits(config),
    quota: new QuotaStore({ redis: quotaClient, keys: redisKeys(config.REDIS_PREFIX) }),
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
    health: () => ({ breakers: chain.breakerStates() }),
    close: async () => {
      await chain.close();
      await quotaClient.quit();
    },
  };
}
