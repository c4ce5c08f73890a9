import { randomUUID } from 'node:crypto';
import type { RedisKeys, SymbolSpec } from '@marketpipe/core';
import type { HistorySink } from '../ports';
import type { BinaryRedisClient } from '../redis/client';
import { BAR_WINDOW, type RedisBarWindow } from '../redis/redis-bar-window';
import type { Logger } from '../logger';
import { FencedWindow } from './fenced-window';
import { shardKeys } from './lease-scripts';
import { ShardCoordinator, type ShardAnalytics, type ShardTarget } from './shard-coordinator';

export interface LeaseModeOptions {
  client: BinaryRedisClient;
  keys: RedisKeys;
  prefix: string;
  window: RedisBarWindow;
  collectorId: string;
  ttlMs: number;
  specs: readonly SymbolSpec[];
  history: HistorySink;
  logger: Logger;
}

/**
 * SHARD_MODE=lease, assembled: the fenced window (to hand to the replicator) and, once the
 * orchestrator exists, the coordinator that moves symbols in and out of it. The token is new
 * for every process, so a restarted collector never mistakes its previous life's leases for its own.
 */
export function leaseMode(o: LeaseModeOptions) {
  const token = `${o.collectorId}:${randomUUID()}`;
  const keys = shardKeys(o.prefix);
  let coordinator: ShardCoordinator | undefined;
  const window = new FencedWindow({
    client: o.client,
    keys: o.keys,
    shardKeys: keys,
    inner: o.window,
    token,
    collectorId: o.collectorId,
    windowBars: BAR_WINDOW,
    onFenced: (symbols) => coordinator?.fenced(symbols),
  });
  return {
    window,
    coordinate(d: { target: ShardTarget; analytics?: ShardAnalytics; redisUp: () => boolean }): ShardCoordinator {
      coordinator = new ShardCoordinator({
        client: o.client,
        keys,
        collectorId: o.collectorId,
        token,
        ttlMs: o.ttlMs,
        specs: o.specs,
        history: o.history,
        window,
        logger: o.logger,
        ...d,
      });
      return coordinator;
    },
  };
}
