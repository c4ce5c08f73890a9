import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '@marketpipe/bridge';
import { loadConfig, startCollector } from '@marketpipe/collector';
import { redisKeys } from '@marketpipe/core';
import { startApiWorker, startPrivateRedis, type PrivateRedis, type RunningApiWorker } from '@marketpipe/testkit';
import { startCountingProxy, type CountingProxy } from './counting-proxy';
import { manySymbols } from './many-symbols';

/**
 * "/v1/signals for 1,000 symbols stays within one Redis round trip": the Worker as deployed
 * (workerd, via wrangler) reads through a proxy that counts its requests to the bridge, over a
 * Redis the real collector filled with 1,000 symbols.
 */
const SYMBOLS = 1_000;
const prefix = `test:trips:${randomBytes(4).toString('hex')}:`;
const apiKey = `mp_test_${randomBytes(16).toString('hex')}`;
const auth = { headers: { authorization: `Bearer ${apiKey}` } };

let redis: PrivateRedis;
let bridge: RunningBridge;
let proxy: CountingProxy;
let worker: RunningApiWorker;
let dir: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  dir = await mkdtemp(join(tmpdir(), 'marketpipe-trips-'));
  const { env } = await manySymbols(dir, SYMBOLS);
  const collector = await startCollector(
    loadConfig({ PROVIDERS: 'sim', ...env, REDIS_URL: redis.url, REDIS_PREFIX: prefix, DATABASE_URL: `file:${join(dir, 'history.db')}`, BACKFILL_HOURS: '0', LOG_LEVEL: 'silent' }),
    { healthServer: false, autoStart: false },
  );
  try {
    await collector.runCycle();
  } finally {
    await collector.stop();
  }
  const admin = createClient({ url: redis.url });
  await admin.connect();
  await admin.hSet(redisKeys(prefix).apiKeys, createHash('sha256').update(apiKey).digest('hex'), JSON.stringify({ name: 'test', createdAt: Date.now(), revoked: false }));
  await admin.close();
  bridge = await startBridge({ port: 0, token: randomBytes(24).toString('base64url'), redisUrl: redis.url });
  proxy = await startCountingProxy(bridge.url);
  worker = await startApiWorker({ bridgeUrl: proxy.url, bridgeToken: bridge.token, prefix });
});

afterAll(async () => {
  await worker?.stop();
  await proxy?.close();
  await bridge?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The round trips one request costs once the key and the symbols are cached (a request just before warms them). */
async function tripsOf(path: string): Promise<{ body: unknown; trips: string[][]; replyBytes: number[] }> {
  expect((await worker.fetch(path, auth)).status, `${path} (warming)`).toBe(200);
  const before = proxy.trips.length;
  const res = await worker.fetch(path, auth);
  expect(res.status, path).toBe(200);
  const body = await res.json();
  const trips = proxy.trips.slice(before);
  return { body, trips: trips.map((t) => t.commands), replyBytes: trips.map((t) => t.replyBytes) };
}

describe('Redis round trips per request', () => {
  it(`reads /v1/signals for ${SYMBOLS.toLocaleString('en')} symbols in one round trip, after the rate limiter's, of a few bytes while nothing changed`, async () => {
    const { body, trips, replyBytes } = await tripsOf('/v1/signals?allowStale=true');
    expect((body as { items: unknown[] }).items).toHaveLength(SYMBOLS);
    // The collector ran one cycle and stopped: the version the warming request read still holds.
    expect(trips).toEqual([['EVALSHA'], ['EVALSHA']]);
    expect(replyBytes[1], 'the version alone, not the signals').toBeLessThan(100);
  });

  it('reads one symbol’s bars, or a batch of features, in one round trip too', async () => {
    expect((await tripsOf('/v1/bars/EUR0?interval=5m&limit=100')).trips).toEqual([['EVALSHA'], ['ZRANGE', 'HGET', 'HGET']]);
    const many = Array.from({ length: 100 }, (_, i) => `XAU${i * 3 + 1}`).join(',');
    const features = await tripsOf(`/v1/features?symbols=${many}`);
    expect((features.body as { items: unknown[] }).items).toHaveLength(100);
    expect(features.trips).toEqual([['EVALSHA'], ['HMGET', 'HMGET']]);
  });
});
