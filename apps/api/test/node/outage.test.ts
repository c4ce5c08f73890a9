import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '@marketpipe/bridge';
import { eventually, startApiWorker, startPrivateRedis, type PrivateRedis, type RunningApiWorker } from '@marketpipe/testkit';
import { seedMarket } from './seed';

/**
 * "Nothing lost, whatever fails": the Worker as deployed (workerd, via wrangler) in front of
 * the bridge and a real Redis, which is stopped mid-test and later restarted empty.
 */
const prefix = `test:outage:${randomBytes(4).toString('hex')}:`;
const apiKey = `mp_test_${randomBytes(16).toString('hex')}`;
const auth = { headers: { authorization: `Bearer ${apiKey}` } };
const DATA_ROUTES = ['/v1/bars/EURUSD', '/v1/features/EURUSD', '/v1/signals'];
/** The bridge's words for a Redis that went away: the dropped connection, then each refused reconnect. */
const GONE = String.raw`(Socket closed unexpectedly|connect ECONNREFUSED 127\.0\.0\.1:\d+)`;

let redis: PrivateRedis;
let bridge: RunningBridge;
let worker: RunningApiWorker;
let dir: string;
const bridgeLogs: string[] = [];

/** What the Worker reads (one collector cycle) and the API key, into the current Redis. */
const seed = () => seedMarket({ redisUrl: redis.url, prefix, dir, apiKey });

async function timedGet(path: string) {
  const t0 = performance.now();
  const res = await worker.fetch(path, auth);
  const body = (await res.json()) as Record<string, unknown>;
  return { res, body, ms: performance.now() - t0 };
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  dir = await mkdtemp(join(tmpdir(), 'marketpipe-outage-'));
  await seed();
  bridge = await startBridge({ port: 0, token: randomBytes(24).toString('base64url'), redisUrl: redis.url, log: (l) => bridgeLogs.push(l) });
  const t0 = performance.now();
  worker = await startApiWorker({ bridgeUrl: bridge.url, bridgeToken: bridge.token, prefix });
  console.log(`the Worker served its first request ${Math.round(performance.now() - t0)} ms after startApiWorker`);
});

afterAll(async () => {
  await worker?.stop();
  await bridge?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the deployed Worker while its Redis fails', () => {
  it('serves bars, features and signals while Redis is up', async () => {
    const bars = await timedGet('/v1/bars/EURUSD?limit=5');
    expect(bars.res.status).toBe(200);
    expect(bars.body.bars).toHaveLength(5);
    for (const path of DATA_ROUTES) expect((await worker.fetch(path, auth)).status, path).toBe(200);
  });

  it('answers 503 problem+json naming the cause, at once, while Redis is unreachable', async () => {
    await redis.stop();
    const logsBefore = worker.logs.length;
    for (const path of DATA_ROUTES) {
      const { res, body, ms } = await timedGet(path);
      expect(res.status, path).toBe(503);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
      expect(res.headers.get('retry-after'), path).toBe('5');
      expect(body, path).toMatchObject({
        type: 'urn:marketpipe:problem:upstream_unavailable',
        status: 503,
        instance: path,
        // Whichever Redis call comes first (the key lookup once its 5 s cache expires, else the
        // rate limiter), the detail is the bridge's own words and its status: never "rate limiter unavailable".
        detail: expect.stringMatching(new RegExp(String.raw`^(API key lookup|rate limit check|reading \w+) failed: redis unreachable: ${GONE} \(HTTP 500\)$`)),
      });
      expect(ms, `${path} must fail fast`).toBeLessThan(5_000);
    }
    // One warning line per failed request, no stack; the bridge said it once.
    const outageLogs = worker.logs.slice(logsBefore);
    expect(outageLogs).toHaveLength(DATA_ROUTES.length);
    for (const log of outageLogs) {
      expect(log.level).toBe('warn');
      expect(log.message).toMatch(new RegExp(String.raw`^503 /v1/\S+: .+ failed: redis unreachable: ${GONE} \(HTTP 500\)$`));
      expect(log.message).not.toContain('\n');
    }
    expect(bridgeLogs).toEqual([expect.stringMatching(/^redis unreachable /)]);
  });

  it('answers 200 again within a few seconds once Redis is back', async () => {
    const t0 = performance.now();
    await redis.restart();
    // Redis restarted empty: the collector writes again, as it would on its next cycle.
    await seed();
    await eventually(async () => (await worker.fetch('/v1/bars/EURUSD?limit=5', auth)).status === 200, { timeoutMs: 5_000, intervalMs: 100 });
    console.log(`200 again ${Math.round(performance.now() - t0)} ms after the restart (re-seed included)`);
    for (const path of DATA_ROUTES) expect((await worker.fetch(path, auth)).status, path).toBe(200);
    expect(bridgeLogs[1]).toMatch(/^redis reachable again after \d+\.\d s$/);
  });
});
