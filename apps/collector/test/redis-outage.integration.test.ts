import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { eventually, startApiWorker, startPrivateRedis, type PrivateRedis, type RunningApiWorker } from '@marketpipe/testkit';
import { startBridge, type RunningBridge } from '@marketpipe/bridge';
import { startCollector, type RunningCollector } from '../src/collector';
import { openStores, testConfig } from './helpers';
import { capturingLogger } from './log-capture';

const MINUTE = 60_000;
const OUTAGE_MS = 30_000;

/**
 * Issue "Nothing lost": a private redis-server stopped for 30 s mid-run at SIM_SPEED 120 (an
 * hour of market time), then started again empty. The loop keeps polling and history keeps
 * every minute; on reconnect the window is refilled from history. The edge API (the real
 * Worker in workerd, through the Upstash-REST bridge) answers 503 meanwhile and 200 after.
 */
describe('a 30 s Redis outage mid-run', () => {
  let redis: PrivateRedis;
  let bridge: RunningBridge;
  let api: RunningApiWorker;
  let c: RunningCollector;
  const log = capturingLogger();
  const bars = () => api.fetch('/v1/bars/EURUSD?limit=5');

  beforeAll(async () => {
    redis = await startPrivateRedis();
    bridge = await startBridge({ port: 0, token: randomBytes(24).toString('base64url'), redisUrl: redis.url, log: () => undefined });
  });
  afterAll(async () => {
    await c?.stop();
    await api?.stop();
    await bridge?.close();
    await redis.stop();
  });

  it('keeps collecting into history, reports it, and refills the window from history when Redis is back', async () => {
    const config = testConfig(redis.url, { SIM_SPEED: '120', BACKFILL_HOURS: '1', HISTORY_FLUSH_MS: '1000', REDIS_COMMAND_TIMEOUT_MS: '500' });
    c = await startCollector(config, { logger: log.logger, healthServer: false });
    api = await startApiWorker({ bridgeUrl: bridge.url, bridgeToken: bridge.token, prefix: config.REDIS_PREFIX, apiAuth: 'optional' });
    await eventually(async () => expect(c.ready().ready).toBe(true), { timeoutMs: 10_000 });
    expect((await bars()).status).toBe(200);

    const cyclesBefore = (await c.metrics.cycles.get()).values[0]!.value;
    const marketAtStop = c.clock.now();
    await redis.stop();
    await eventually(async () => expect(c.ready().reasons.join()).toMatch(/redis unreachable/), { timeoutMs: 5_000 });
    const during = await bars();
    expect(during.status).toBe(503);
    expect(during.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await during.json()) as { detail: string }).detail).toMatch(/redis unreachable/);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const cyclesDuring = (await c.metrics.cycles.get()).values[0]!.value - cyclesBefore;
    expect(cyclesDuring, 'the loop kept its 1-second schedule while Redis was down').toBeGreaterThanOrEqual(OUTAGE_MS / 1_000 - 3);
    // A loop waiting on Redis would skip a tick per second of outage; one late timer on a busy CI machine is not that.
    expect((await c.metrics.overruns.get()).values[0]?.value ?? 0, 'no tick skipped for waiting on Redis').toBeLessThanOrEqual(2);
    expect((await c.metrics.redisUp.get()).values[0]?.value).toBe(0);
    const buffered = (await c.history.range('EURUSD', marketAtStop, c.clock.now())).length;
    expect(buffered, 'an hour of market time reached history during the outage').toBeGreaterThanOrEqual(50);

    await redis.restart();
    const backAt = Date.now();
    await eventually(async () => expect(c.replicator.up).toBe(true), { timeoutMs: 10_000, intervalMs: 50 });
    const refillMs = Date.now() - backAt;
    await eventually(async () => expect(c.ready().ready).toBe(true), { timeoutMs: 5_000 });
    const after = await bars();
    expect(after.status, 'the API serves the refilled window').toBe(200);
    expect(((await after.json()) as { bars: unknown[] }).bars).toHaveLength(5);
    await c.stop();

    const down = log.find('redis unreachable');
    const back = log.find('redis is back');
    expect(down, 'one line when Redis went away, not one per cycle').toHaveLength(1);
    expect(back).toHaveLength(1);
    expect(back[0]!.outageMs as number).toBeGreaterThanOrEqual(OUTAGE_MS);
    expect(back[0]!.refilledBars as number, 'the empty Redis got the whole window back').toBeGreaterThan(3 * 100);

    const stores = await openStores(config);
    try {
      for (const spec of c.specs) {
        const history = await stores.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER);
        for (let i = 1; i < history.length; i++) {
          expect(history[i]!.ts - history[i - 1]!.ts, `${spec.symbol}: no hole and no duplicate at ${new Date(history[i]!.ts).toISOString()}`).toBe(MINUTE);
        }
        expect(history.at(-1)!.ts - marketAtStop, 'history runs through the outage').toBeGreaterThan(OUTAGE_MS * 120 * 0.8);
        expect(await stores.window.finals(spec.symbol), `${spec.symbol}: the Redis window equals history`).toEqual(history);
      }
    } finally {
      await stores.close();
    }
    console.info(`redis outage ${back[0]!.outageMs} ms: ${buffered} EURUSD bars reached history meanwhile; window refilled (${back[0]!.refilledBars} bars) ${refillMs} ms after Redis answered`);
  }, 90_000);

  it('starts while Redis is down, collects into history, and fills the empty window when Redis appears', async () => {
    const late = await startPrivateRedis();
    await late.stop();
    const log2 = capturingLogger();
    const config = testConfig(late.url, { SIM_SPEED: '120', BACKFILL_HOURS: '1', HISTORY_FLUSH_MS: '1000' });
    const started = Date.now();
    const d = await startCollector(config, { logger: log2.logger, healthServer: false });
    try {
      expect(Date.now() - started, 'start-up does not wait on Redis').toBeLessThan(10_000);
      expect(d.replicator.up).toBe(false);
      expect(d.backfill.map((r) => r.bars), 'backfilled into history all the same').toEqual([60, 60, 60]);
      await new Promise((r) => setTimeout(r, 3_000));
      await late.restart();
      await eventually(async () => expect(d.replicator.up).toBe(true), { timeoutMs: 10_000, intervalMs: 50 });
      await d.stop();
      expect(log2.find('redis unreachable')).toHaveLength(1);
      const stores = await openStores(config);
      try {
        for (const spec of d.specs) {
          const history = await stores.history.range(spec.symbol, 0, Number.MAX_SAFE_INTEGER);
          expect(history.length).toBeGreaterThan(60);
          expect(await stores.window.finals(spec.symbol)).toEqual(history);
        }
      } finally {
        await stores.close();
      }
    } finally {
      await d.stop();
      await late.stop();
    }
  }, 60_000);
});
