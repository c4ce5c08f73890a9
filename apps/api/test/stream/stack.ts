import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { startBridge, type RunningBridge } from '@marketpipe/bridge';
import { loadConfig, startCollector } from '@marketpipe/collector';
import { redisKeys } from '@marketpipe/core';
import { eventually, startApiWorker, startPrivateRedis, type PrivateRedis, type RunningApiWorker } from '@marketpipe/testkit';

/** What the Worker asked of Redis through the bridge: requests (round trips) and commands. */
export interface RestCounts {
  requests: number;
  commands: number;
}

export interface LiveStack {
  redis: PrivateRedis;
  prefix: string;
  apiKey: string;
  worker: RunningApiWorker;
  /** a running count of the Worker's REST calls to Redis (all of them: every route, the stream) */
  readonly counts: RestCounts;
  /** stops the collector alone: Redis keeps its last values, nothing changes any more */
  stopCollector(): Promise<void>;
  stop(): Promise<void>;
}

export interface LiveStackOptions {
  symbols?: string;
  apiAuth?: 'required' | 'optional';
  vars?: Record<string, string>;
  /** SIM_SPEED: 1 is real time (a bar per minute), as the demo runs */
  simSpeed?: number;
  /** BACKFILL_HOURS; 3 unless told (indicators need 200 bars to warm up, signals too) */
  backfillHours?: number;
}

/**
 * The pieces `npm run demo` starts, in-process and private: redis-server, the real collector
 * on the sim feed, the Upstash-REST bridge, and the Worker in workerd (wrangler), with a
 * counting HTTP hop between the Worker and the bridge so a test can see every Redis call.
 */
export async function startLiveStack(options: LiveStackOptions = {}): Promise<LiveStack> {
  const redis = await startPrivateRedis();
  const dir = await mkdtemp(join(tmpdir(), 'marketpipe-stream-'));
  const prefix = `test:stream:${randomBytes(4).toString('hex')}:`;
  const collector = await startCollector(
    loadConfig({
      PROVIDERS: 'sim',
      SYMBOLS: options.symbols ?? 'EURUSD,XAUUSD,NAS100',
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATABASE_URL: `file:${join(dir, 'history.db')}`,
      SIM_SPEED: String(options.simSpeed ?? 1),
      BACKFILL_HOURS: String(options.backfillHours ?? 3),
      // No 90-day bootstrap in a background thread: it would compete with the live loop for CPU.
      BOOTSTRAP_ON_RUN: 'false',
      LOG_LEVEL: 'silent',
    }),
    { healthServer: false },
  );
  await eventually(async () => (await collector.window.forming('EURUSD')) !== null, { timeoutMs: 30_000 });

  const apiKey = `mp_test_${randomBytes(16).toString('hex')}`;
  const admin = createClient({ url: redis.url });
  await admin.connect();
  await admin.hSet(redisKeys(prefix).apiKeys, createHash('sha256').update(apiKey).digest('hex'), JSON.stringify({ name: 'stream-test', createdAt: Date.now(), revoked: false }));
  await admin.close();

  const bridge = await startBridge({ port: 0, token: randomBytes(24).toString('base64url'), redisUrl: redis.url });
  const counts: RestCounts = { requests: 0, commands: 0 };
  const hop = await countingHop(bridge, counts);
  const worker = await startApiWorker({
    bridgeUrl: `http://127.0.0.1:${(hop.address() as AddressInfo).port}`,
    bridgeToken: bridge.token,
    prefix,
    apiAuth: options.apiAuth ?? 'required',
    ...(options.vars ? { vars: options.vars } : {}),
  });

  let collectorStopped: Promise<void> | undefined;
  return {
    redis,
    prefix,
    apiKey,
    worker,
    counts,
    stopCollector: () => (collectorStopped ??= collector.stop()),
    async stop() {
      await worker.stop();
      hop.closeAllConnections();
      await new Promise<void>((resolve) => hop.close(() => resolve()));
      await (collectorStopped ??= collector.stop());
      await bridge.close();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Forwards every request to the bridge, counting round trips and the commands in each pipeline. */
async function countingHop(bridge: RunningBridge, counts: RestCounts): Promise<Server> {
  const target = new URL(bridge.url);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      counts.requests++;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as unknown;
        counts.commands += Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed.length : 1;
      } catch {
        counts.commands++;
      }
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
