import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createClient, RESP_TYPES } from 'redis';
import { loadConfig, startCollector } from '@marketpipe/collector';
import { startBridge } from '@marketpipe/bridge';
import { decodeBar, decodeFeatures, decodeSignal, redisKeys, type Features, type Signal } from '@marketpipe/core';
import { eventually, startPrivateRedis } from '@marketpipe/testkit';
import '../context';
import { writeIntervalFixture } from './interval-fixture';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Node side of the api suite: a private redis-server, the Upstash-REST bridge in front of
 * it, and the real collector (sim provider, fast simulated clock) filling it, so the Worker
 * under test reads exactly what production code writes.
 */
export default async function setup(project: TestProject) {
  const redis = await startPrivateRedis();
  const dir = await mkdtemp(join(tmpdir(), 'marketpipe-api-'));
  const prefix = `test:api:${randomBytes(4).toString('hex')}:`;
  const bridge = await startBridge({ port: 0, token: randomBytes(24).toString('base64url'), redisUrl: redis.url });

  const collector = await startCollector(
    loadConfig({
      PROVIDERS: 'sim',
      SYMBOLS: 'EURUSD,XAUUSD,NAS100',
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATABASE_URL: `file:${join(dir, 'history.db')}`,
      // A simulated minute per wall second: bars finalise while the suite runs.
      SIM_SPEED: '60',
      BACKFILL_HOURS: '2',
      // Features and signals of 1m and 5m only: the Worker must serve 5m and refuse 1h.
      FEATURE_INTERVALS: '1m,5m',
      LOG_LEVEL: 'silent',
    }),
    { healthServer: false },
  );
  await eventually(async () => (await collector.window.forming('EURUSD')) !== null, { timeoutMs: 20_000 });
  const collectorBars = await collector.window.finals('EURUSD');
  const tcp = createClient({ url: redis.url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  await tcp.connect();
  const collectorBars5m = (await tcp.zRange(redisKeys(prefix).bars('EURUSD', '5m'), 0, -1)).map((b) => decodeBar(b));
  await tcp.close();

  const apiKey = `mp_test_${randomBytes(16).toString('hex')}`;
  const revokedKey = `mp_test_${randomBytes(16).toString('hex')}`;
  const admin = createClient({ url: redis.url });
  await admin.connect();
  await admin.hSet(redisKeys(prefix).apiKeys, {
    [sha256(apiKey)]: JSON.stringify({ name: 'test', createdAt: Date.now(), revoked: false }),
    [sha256(revokedKey)]: JSON.stringify({ name: 'revoked', createdAt: Date.now(), revoked: true }),
  });
  await admin.close();

  // A second, frozen collector (no ticker; one cycle by hand, then stopped) so the tests can
  // compare the Worker's answers byte for byte with what the collector's code wrote.
  const fixturePrefix = `test:api:frozen:${randomBytes(4).toString('hex')}:`;
  const frozen = await startCollector(
    loadConfig({
      PROVIDERS: 'sim',
      SYMBOLS: 'EURUSD,NAS100',
      REDIS_URL: redis.url,
      REDIS_PREFIX: fixturePrefix,
      DATABASE_URL: `file:${join(dir, 'frozen.db')}`,
      BACKFILL_HOURS: '5',
      LOG_LEVEL: 'silent',
    }),
    { healthServer: false, autoStart: false },
  );
  await frozen.runCycle();
  await frozen.stop();
  const reader = createClient({ url: redis.url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  await reader.connect();
  const fx = redisKeys(fixturePrefix);
  const fixtureFeatures: Features = decodeFeatures((await reader.hGet(fx.features, 'EURUSD'))!);
  const fixtureSignal: Signal = decodeSignal((await reader.hGet(fx.signals, 'EURUSD'))!);
  await reader.close();

  project.provide('bridgeUrl', bridge.url);
  project.provide('bridgeToken', bridge.token);
  project.provide('prefix', prefix);
  project.provide('emptyPrefix', `test:api:empty:${randomBytes(4).toString('hex')}:`);
  project.provide('apiKey', apiKey);
  project.provide('revokedKey', revokedKey);
  project.provide('collectorBars', collectorBars);
  project.provide('collectorBars5m', collectorBars5m);
  const intervalPrefix = `test:api:intervals:${randomBytes(4).toString('hex')}:`;
  project.provide('intervalPrefix', intervalPrefix);
  project.provide('intervalFixture', await writeIntervalFixture(redis.url, intervalPrefix));
  project.provide('fixturePrefix', fixturePrefix);
  project.provide('fixtureFeatures', fixtureFeatures);
  project.provide('fixtureSignal', fixtureSignal);

  const silentSockets = new Set<Socket>();
  const silent = createServer((socket) => silentSockets.add(socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  project.provide('silentUrl', `http://127.0.0.1:${(silent.address() as AddressInfo).port}`);

  return async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await collector.stop();
    await bridge.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
