import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, decodeBar, decodeHeartbeat, redisKeys, type Bar, type SymbolSpec } from '@marketpipe/core';
import { eventually, startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { createBinaryRedisClient, type BinaryRedisClient } from '../../src/redis/client';
import { RedisBarWindow } from '../../src/redis/redis-bar-window';
import { FencedWindow } from '../../src/shard/fenced-window';
import { shardKeys } from '../../src/shard/lease-scripts';
import { ShardCoordinator, type ShardTarget } from '../../src/shard/shard-coordinator';
import type { CycleWrite } from '../../src/ports';
import { MemoryHistory, MemoryWindow } from '../fakes/memory-stores';
import { silentLogger } from '../helpers';

const MINUTE = 60_000;
let redis: PrivateRedis;
let client: BinaryRedisClient;
beforeAll(async () => {
  redis = await startPrivateRedis();
  client = createBinaryRedisClient(redis.url);
  await client.connect();
});
afterAll(async () => {
  client.destroy();
  await redis.stop();
});

const bar = (symbol: string, ts: number, close: number, final: boolean): Bar => ({
  symbol,
  interval: '1m',
  ts,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
  source: 'sim',
  final,
  filled: false,
});

function cycleWrite(symbol: string, ts: number, close: number): CycleWrite {
  return {
    forming: [bar(symbol, ts, close, false)],
    finals: [bar(symbol, ts - MINUTE, close, true)],
    features: new Map([[symbol, new Uint8Array([close])]]),
    signals: new Map(),
    seen: { symbols: [symbol], at: ts },
  };
}

describe('FencedWindow', () => {
  it('writes a symbol only while its lease holds the writer’s token: a writer past its lease changes nothing', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const keys = redisKeys(prefix);
    const sk = shardKeys(prefix);
    const inner = new RedisBarWindow(client, keys);
    const fencedOf: Record<string, string[]> = { A: [], B: [] };
    const writer = (id: string) =>
      new FencedWindow({ client, keys, shardKeys: sk, inner, token: `${id}:1`, collectorId: id, windowBars: 100, onFenced: (s) => fencedOf[id]!.push(...s) });
    const a = writer('A');
    const b = writer('B');
    const t0 = Math.floor(Date.now() / MINUTE) * MINUTE;

    await client.set(sk.lease('EURUSD'), 'A:1', { expiration: { type: 'PX', value: 200 } });
    await a.writeCycle(cycleWrite('EURUSD', t0, 1));
    expect(decodeBar((await client.hGet(keys.forming, 'EURUSD'))!).close).toBe(1);

    await new Promise((r) => setTimeout(r, 250));
    await client.set(sk.lease('EURUSD'), 'B:1', { condition: 'NX', expiration: { type: 'PX', value: 5_000 } });
    await a.writeCycle(cycleWrite('EURUSD', t0 + MINUTE, 2));
    expect(fencedOf.A).toEqual(['EURUSD']);
    expect(decodeBar((await client.hGet(keys.forming, 'EURUSD'))!).close).toBe(1);
    expect(await client.zCard(keys.bars('EURUSD'))).toBe(1);
    expect([...(await client.hGet(keys.features, 'EURUSD'))!]).toEqual([1]);

    await b.writeCycle(cycleWrite('EURUSD', t0 + MINUTE, 3));
    expect(fencedOf.B).toEqual([]);
    expect(decodeBar((await client.hGet(keys.forming, 'EURUSD'))!).close).toBe(3);
    expect(await client.zCard(keys.bars('EURUSD'))).toBe(2);
    const handovers = (await client.lRange(sk.handovers, 0, -1)).map((x) => x.toString().split(' ').slice(0, 3).join(' '));
    expect(handovers).toEqual(['EURUSD - A', 'EURUSD A B']);
  });

  it('writes a whole cycle of many symbols in one command, refusing exactly the symbols whose lease is not its own', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const keys = redisKeys(prefix);
    const sk = shardKeys(prefix);
    let refused: string[] = [];
    const w = new FencedWindow({ client, keys, shardKeys: sk, inner: new RedisBarWindow(client, keys), token: 'A:1', collectorId: 'A', windowBars: 100, onFenced: (s) => (refused = s) });
    const symbols = Array.from({ length: 40 }, (_, i) => `M${i}`);
    for (const s of symbols) await client.set(sk.lease(s), s === 'M7' || s === 'M31' ? 'B:1' : 'A:1');
    const t0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    const write = cycleWrite(symbols[0]!, t0, 1);
    for (const s of symbols.slice(1)) {
      const one = cycleWrite(s, t0, 1);
      write.forming.push(...one.forming);
      write.finals.push(...one.finals);
      write.features.set(s, one.features.get(s)!);
      write.seen = { symbols: [...write.seen.symbols, s], at: t0 };
    }
    const evalshaCalls = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await client.info('commandstats'))?.[1] ?? 0);
    const before = await evalshaCalls();
    await w.writeCycle(write);
    expect((await evalshaCalls()) - before).toBe(1);
    expect(refused).toEqual(['M7', 'M31']);
    const forming = await client.hGetAll(keys.forming);
    expect(Object.keys(forming).sort()).toEqual(symbols.filter((s) => s !== 'M7' && s !== 'M31').sort());
    expect(await client.zCard(keys.bars('M7'))).toBe(0);
    expect(await client.zCard(keys.bars('M8'))).toBe(1);
  });

  it('writes the heartbeat in the same step, listing only the symbols whose lease is still its own', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const keys = redisKeys(prefix);
    const sk = shardKeys(prefix);
    const w = new FencedWindow({ client, keys, shardKeys: sk, inner: new RedisBarWindow(client, keys), token: 'A:1', collectorId: 'A', windowBars: 100, onFenced: () => undefined });
    await client.set(sk.lease('HELD'), 'A:1');
    await client.set(sk.lease('LOST'), 'B:1');
    const write = cycleWrite('HELD', Math.floor(Date.now() / MINUTE) * MINUTE, 1);
    write.heartbeat = { collectorId: 'A', ttlSeconds: 10, value: { at: 123, cycle: 7, version: '0.1.0', symbols: ['HELD', 'LOST', 'GONE'] } };
    await w.writeCycle(write);
    expect(decodeHeartbeat(String(await client.get(keys.heartbeat('A'))))).toEqual({ at: 123, cycle: 7, version: '0.1.0', symbols: ['HELD'] });
    expect(await client.ttl(keys.heartbeat('A'))).toBeGreaterThan(8);
  });

  it('loads its script again after Redis forgot it (SCRIPT FLUSH, as after a restart)', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const keys = redisKeys(prefix);
    const sk = shardKeys(prefix);
    const w = new FencedWindow({ client, keys, shardKeys: sk, inner: new RedisBarWindow(client, keys), token: 'A:1', collectorId: 'A', windowBars: 100, onFenced: () => undefined });
    await client.set(sk.lease('XAUUSD'), 'A:1');
    await client.scriptFlush();
    await w.writeCycle(cycleWrite('XAUUSD', Math.floor(Date.now() / MINUTE) * MINUTE, 7));
    expect(decodeBar((await client.hGet(keys.forming, 'XAUUSD'))!).close).toBe(7);
  });
});

/** The orchestrator's side of a coordinator: the set of symbols collected. */
class Collected implements ShardTarget {
  readonly symbols = new Set<string>();
  addSymbol(spec: SymbolSpec): void {
    this.symbols.add(spec.symbol);
  }
  removeSymbol(symbol: string): void {
    this.symbols.delete(symbol);
  }
}

describe('ShardCoordinator', () => {
  const specs = Array.from({ length: 30 }, (_, i) => ({ ...DEFAULT_SYMBOL_SPECS[0]!, symbol: `SYM${i}` }));

  function member(prefix: string, id: string, ttlMs: number) {
    const target = new Collected();
    const history = new MemoryHistory();
    const coordinator = new ShardCoordinator({
      client,
      keys: shardKeys(prefix),
      collectorId: id,
      token: `${id}:${randomUUID()}`,
      ttlMs,
      specs,
      target,
      history,
      window: new MemoryWindow(),
      redisUp: () => true,
      logger: silentLogger(),
    });
    return { target, coordinator };
  }

  it('splits the symbols between live collectors, hands a silent one’s share over after its leases expire, and rebalances when it returns', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const ttl = 600;
    const a = member(prefix, 'a', ttl);
    const b = member(prefix, 'b', ttl);
    const step = async (m: { coordinator: ShardCoordinator }) => {
      await m.coordinator.round();
      m.coordinator.beforeCycle();
    };
    const round = () => Promise.all([a, b].map(step));
    const disjointAndComplete = () => {
      const both = [...a.target.symbols].filter((s) => b.target.symbols.has(s));
      expect(both).toEqual([]);
      expect(a.target.symbols.size + b.target.symbols.size).toBe(30);
    };

    await step(a);
    expect(a.target.symbols.size).toBe(30);
    // b appears; a gives up b's share, which b takes on its next round
    await eventually(async () => {
      await round();
      disjointAndComplete();
      expect(b.target.symbols.size).toBeGreaterThan(5);
    }, { timeoutMs: 3_000, intervalMs: 50 });
    const bShare = new Set(b.target.symbols);

    // b falls silent (no renewals): a takes its share once the leases have expired, not before
    await step(a);
    expect(a.target.symbols.size).toBe(30 - bShare.size);
    const silentAt = Date.now();
    await eventually(async () => {
      await step(a);
      expect(a.target.symbols.size).toBe(30);
    }, { timeoutMs: 3_000, intervalMs: 50 });
    expect(Date.now() - silentAt).toBeGreaterThanOrEqual(ttl - 100);

    // b comes back: its first round finds its leases taken and drops what it thought it held
    await step(b);
    expect(b.target.symbols.size).toBe(0);
    await eventually(async () => {
      await round();
      disjointAndComplete();
      expect(b.target.symbols).toEqual(bShare);
    }, { timeoutMs: 3_000, intervalMs: 50 });
  });
});
