import { isMarketOpen, redisKeys, type Bar, type Clock, type SymbolSpec } from '@marketpipe/core';
import type { CollectorConfig } from '../src/config';
import { createBinaryRedisClient } from '../src/redis/client';
import { RedisBarWindow } from '../src/redis/redis-bar-window';
import { LibsqlHistoryStore } from '../src/history/libsql-history-store';
import { SimFetcher } from '../src/providers/sim/sim-fetcher';

const MINUTE = 60_000;

export interface Audit {
  symbols: number;
  historyBars: number;
  redisBars: number;
  /** Redis bars absent from history */
  redisNotInHistory: number;
  /** Redis bars whose history twin differs in any field */
  redisMismatched: number;
  /** history bars inside the Redis window's span that the window lacks (a refill that missed) */
  windowGaps: number;
  /** in-session minutes missing from history between a symbol's first and last bar */
  holes: number;
  duplicatesHistory: number;
  duplicatesRedis: number;
  /** flat bars the gap policy made up (the sim has every minute, so each one replaced a real bar) */
  filled: number;
  /** non-filled history bars whose OHLCV differs from what the (deterministic) sim served */
  valuesNotFromSource: number;
  /** market minutes between the last bar in history and the last complete minute at stop, worst symbol */
  tailLagMinutes: number;
  /** the first few problems, to start a diagnosis from */
  examples: string[];
}

const same = (a: Bar, b: Bar) =>
  a.ts === b.ts && a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close &&
  a.volume === b.volume && a.source === b.source && a.filled === b.filled && a.final === b.final;

function countDuplicates(bars: readonly Bar[]): number {
  const seen = new Set<number>();
  let dup = 0;
  for (const b of bars) {
    if (seen.has(b.ts)) dup++;
    seen.add(b.ts);
  }
  return dup;
}

/**
 * Reads what the stopped collector left, through fresh connections: the record (libSQL) must
 * have every in-session minute once, with the source's values, and the cache (Redis) must be
 * a faithful, gap-free suffix of it.
 */
export async function audit(config: CollectorConfig, specs: readonly SymbolSpec[], marketAtStop: number): Promise<Audit> {
  const redis = createBinaryRedisClient(config.REDIS_URL);
  await redis.connect();
  const window = new RedisBarWindow(redis, redisKeys(config.REDIS_PREFIX));
  const history = await LibsqlHistoryStore.open({ url: config.DATABASE_URL });
  const frozen: Clock = { now: () => marketAtStop };
  const sim = new SimFetcher({ seed: config.SIM_SEED, clock: frozen });
  const a: Audit = {
    symbols: specs.length, historyBars: 0, redisBars: 0, redisNotInHistory: 0, redisMismatched: 0, windowGaps: 0, holes: 0,
    duplicatesHistory: 0, duplicatesRedis: 0, filled: 0, valuesNotFromSource: 0, tailLagMinutes: 0, examples: [],
  };
  const note = (s: string) => void (a.examples.length < 10 && a.examples.push(s));
  const iso = (ts: number) => new Date(ts).toISOString();
  const lastComplete = Math.floor(marketAtStop / MINUTE) * MINUTE - MINUTE;
  try {
    for (const spec of specs) {
      const { symbol } = spec;
      const stored = await history.range(symbol, 0, Number.MAX_SAFE_INTEGER);
      const cached = await window.finals(symbol);
      a.historyBars += stored.length;
      a.redisBars += cached.length;
      a.duplicatesHistory += countDuplicates(stored);
      a.duplicatesRedis += countDuplicates(cached);
      const byTs = new Map(stored.map((b) => [b.ts, b]));

      for (const bar of cached) {
        const twin = byTs.get(bar.ts);
        if (!twin) {
          a.redisNotInHistory++;
          note(`${symbol} ${iso(bar.ts)} in Redis, not in history`);
        } else if (!same(bar, twin)) {
          a.redisMismatched++;
          note(`${symbol} ${iso(bar.ts)} differs: redis ${JSON.stringify(bar)} history ${JSON.stringify(twin)}`);
        }
      }
      const first = cached[0];
      if (first) {
        const inRedis = new Set(cached.map((b) => b.ts));
        for (const b of stored) {
          if (b.ts >= first.ts && !inRedis.has(b.ts)) {
            a.windowGaps++;
            note(`${symbol} ${iso(b.ts)} in history, missing from the Redis window`);
          }
        }
      }

      const head = stored[0];
      const tail = stored.at(-1);
      if (!head || !tail) {
        note(`${symbol}: no history at all`);
        continue;
      }
      for (let ts = head.ts + MINUTE; ts < tail.ts; ts += MINUTE) {
        if (!byTs.has(ts) && isMarketOpen(spec.session, ts)) {
          a.holes++;
          note(`${symbol} ${iso(ts)} hole in history`);
        }
      }
      if (isMarketOpen(spec.session, lastComplete)) a.tailLagMinutes = Math.max(a.tailLagMinutes, (lastComplete - tail.ts) / MINUTE);
      for (const b of stored) {
        if (b.filled) {
          a.filled++;
          continue;
        }
        const truth = sim.bar(spec, b.ts, b.ts + MINUTE - 1);
        if (truth.open !== b.open || truth.high !== b.high || truth.low !== b.low || truth.close !== b.close || truth.volume !== b.volume) {
          a.valuesNotFromSource++;
          note(`${symbol} ${iso(b.ts)} ${JSON.stringify(b)} but the source served ${JSON.stringify(truth)}`);
        }
      }
    }
  } finally {
    await history.close({ flush: false });
    await redis.quit();
  }
  return a;
}
