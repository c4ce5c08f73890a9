import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createClient } from 'redis';
import { loadConfig, startCollector } from '@marketpipe/collector';
import { startBridge } from '@marketpipe/bridge';
import { DEFAULT_SYMBOL_SPECS, encodeFeatures, encodeSignal, redisKeys, type Features, type Signal } from '@marketpipe/core';
import { eventually, startPrivateRedis } from '@marketpipe/testkit';
import '../context';

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
      LOG_LEVEL: 'silent',
    }),
    { healthServer: false },
  );
  await eventually(async () => (await collector.window.forming('EURUSD')) !== null, { timeoutMs: 20_000 });
  const collectorBars = await collector.window.finals('EURUSD');

  const apiKey = `mp_test_${randomBytes(16).toString('hex')}`;
  const revokedKey = `mp_test_${randomBytes(16).toString('hex')}`;
  const admin = createClient({ url: redis.url });
  await admin.connect();
  await admin.hSet(redisKeys(prefix).apiKeys, {
    [sha256(apiKey)]: JSON.stringify({ name: 'test', createdAt: Date.now(), revoked: false }),
    [sha256(revokedKey)]: JSON.stringify({ name: 'revoked', createdAt: Date.now(), revoked: true }),
  });
  // Features and signals are written by hand until the collector's analytics stage lands.
  const fixturePrefix = `test:api:fixture:${randomBytes(4).toString('hex')}:`;
  const fx = redisKeys(fixturePrefix);
  const at = Date.now();
  const fixtureFeatures: Features = {
    symbol: 'EURUSD', interval: '1m', ts: at - (at % 60_000), final: false, close: 1.08423, defs: 'talib',
    ema: { '9': 1.0841, '21': 1.0839, '50': 1.08351, '200': null },
    rsi: 56.2, atr: 0.00031, momentum: -0.0004, volumeMa: 812.5, vwap: null,
    bb: { middle: 1.0838, upper: 1.0849, lower: 1.0827, bandwidth: 0.002, percentB: 0.68 },
    macd: { macd: 0.00012, signal: 0.00009, histogram: 0.00003 },
    periods: { ema: [9, 21, 50, 200], rsi: 14, atr: 14, momentum: 10, volumeMa: 20, bb: [20, 2], macd: [12, 26, 9] },
    warm: false, computedAt: at,
  };
  const fixtureSignal: Signal = {
    symbol: 'EURUSD', side: 'short', score: 0.81, reasons: ['rsi<45', 'macd<signal'], price: 1.08423, stop: 1.0851, target: null,
    ts: fixtureFeatures.ts, computedAt: at,
  };
  const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  await admin.set(fx.symbols, JSON.stringify(DEFAULT_SYMBOL_SPECS));
  await admin.hSet(fx.features, 'EURUSD', buf(encodeFeatures(fixtureFeatures)));
  await admin.hSet(fx.signals, 'EURUSD', buf(encodeSignal(fixtureSignal)));
  await admin.hSet(fx.seen, 'EURUSD', String(at));
  await admin.close();

  project.provide('bridgeUrl', bridge.url);
  project.provide('bridgeToken', bridge.token);
  project.provide('prefix', prefix);
  project.provide('emptyPrefix', `test:api:empty:${randomBytes(4).toString('hex')}:`);
  project.provide('apiKey', apiKey);
  project.provide('revokedKey', revokedKey);
  project.provide('collectorBars', collectorBars);
  project.provide('fixturePrefix', fixturePrefix);
  project.provide('fixtureFeatures', fixtureFeatures);
  project.provide('fixtureSignal', fixtureSignal);

  return async () => {
    await collector.stop();
    await bridge.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
