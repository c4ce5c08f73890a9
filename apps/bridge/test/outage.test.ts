import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from '@upstash/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { startBridge, type RunningBridge } from '../src';

const TOKEN = 'test-token-0123456789abcdef';

let redis: PrivateRedis | undefined;
let bridge: RunningBridge | undefined;
let hop: FreezableHop | undefined;
let logs: string[] = [];

afterEach(async () => {
  await bridge?.close();
  await hop?.close();
  await redis?.stop();
  bridge = hop = redis = undefined;
  logs = [];
});

async function setUp(via?: 'hop'): Promise<RunningBridge> {
  redis = await startPrivateRedis();
  hop = via === 'hop' ? await freezableHop(redis.port) : undefined;
  const redisUrl = hop ? `redis://127.0.0.1:${hop.port}` : redis.url;
  bridge = await startBridge({ port: 0, token: TOKEN, redisUrl, log: (line) => logs.push(line) });
  return bridge;
}

/** One REST call made by hand, timed. */
async function rest(path: string, body: unknown) {
  const t0 = performance.now();
  const res = await fetch(`${bridge!.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown, ms: performance.now() - t0 };
}

const unreachable = (reason: RegExp) => ({ error: expect.stringMatching(new RegExp(`^redis unreachable: ${reason.source}$`)) });
/** A Redis that went away: the dropped connection, then each refused reconnect. */
const GONE = /(Socket closed unexpectedly|connect ECONNREFUSED 127\.0\.0\.1:\d+)/;

describe('while Redis is down', () => {
  it('answers every endpoint at once with 500 and an error naming the cause', async () => {
    await setUp();
    expect((await rest('/', ['SET', 'k', 'v'])).status).toBe(200);
    await redis!.stop();

    for (const [path, body] of [
      ['/', ['GET', 'k']],
      ['/pipeline', [['GET', 'k'], ['INCR', 'n']]],
      ['/multi-exec', [['SET', 'k', 'w'], ['GET', 'k']]],
    ] as const) {
      const res = await rest(path, body);
      expect(res.status, path).toBe(500);
      expect(res.body, path).toEqual(unreachable(GONE));
      expect(res.ms, `${path} must not wait for Redis`).toBeLessThan(500);
    }
    // What the Worker's client makes of it: the cause, in the error it throws.
    const client = new Redis({ url: bridge!.url, token: TOKEN, enableTelemetry: false, retry: false });
    await expect(client.get('k')).rejects.toThrow(new RegExp(`^redis unreachable: ${GONE.source}`));
  });

  it('logs one line when Redis goes away and one when it is back, not one per request', async () => {
    await setUp();
    await redis!.stop();
    for (let i = 0; i < 20; i++) expect((await rest('/', ['PING'])).status).toBe(500);
    expect(logs).toEqual([expect.stringMatching(/^redis unreachable \(.+\); answering 500 until it is back$/)]);

    await redis!.restart();
    await eventually(() => logs.length === 2, { timeoutMs: 5_000 });
    expect(logs[1]).toMatch(/^redis reachable again after \d+\.\d s$/);
  });

  it('recovers by itself when Redis comes back on the same port', async () => {
    await setUp();
    await redis!.stop();
    expect((await rest('/', ['PING'])).status).toBe(500);

    await redis!.restart();
    const t0 = performance.now();
    await eventually(async () => (await rest('/', ['PING'])).status === 200, { timeoutMs: 5_000, intervalMs: 20 });
    // Reconnect attempts are at most 500 ms apart.
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect((await rest('/pipeline', [['SET', 'k', 'v'], ['GET', 'k']])).body).toEqual([{ result: 'OK' }, { result: 'v' }]);
    expect((await rest('/multi-exec', [['INCR', 'n'], ['INCR', 'n']])).body).toEqual([{ result: 1 }, { result: 2 }]);
  });
});

describe('when Redis stops answering', () => {
  it('answers 500 within the command timeout, and transactions work again once it answers', async () => {
    await setUp('hop');
    expect((await rest('/', ['SET', 'k', 'v'])).status).toBe(200);
    hop!.freeze();

    const single = await rest('/', ['GET', 'k']);
    expect(single.status).toBe(500);
    expect(single.body).toEqual(unreachable(/no reply within 2000 ms/));
    expect(single.ms).toBeGreaterThan(1_500);
    expect(single.ms).toBeLessThan(4_000);
    // MULTI times out; what Redis gets late must not leave that connection inside MULTI.
    expect((await rest('/multi-exec', [['SET', 't', '1'], ['INCR', 't']])).status).toBe(500);

    hop!.thaw();
    expect((await rest('/multi-exec', [['SET', 't', '5'], ['INCR', 't']])).body).toEqual([{ result: 'OK' }, { result: 6 }]);
    expect((await rest('/', ['GET', 'k'])).body).toEqual({ result: 'v' });
  });
});

it('refuses to start when Redis cannot be reached, saying why', async () => {
  redis = await startPrivateRedis();
  await redis.stop();
  const t0 = performance.now();
  await expect(startBridge({ port: 0, token: TOKEN, redisUrl: redis.url, log: (l) => logs.push(l) })).rejects.toMatchObject({
    code: 'redis_unreachable',
    message: expect.stringMatching(/^redis unreachable: connect ECONNREFUSED/),
  });
  expect(performance.now() - t0).toBeLessThan(2_000);
  expect(logs, 'the failed start is the report').toEqual([]);
});

interface FreezableHop {
  port: number;
  /** hold every byte on its way to Redis, as a Redis stuck in a slow command would */
  freeze(): void;
  /** pass on what was held, in order */
  thaw(): void;
  close(): Promise<void>;
}

/** A TCP hop in front of Redis that can stop passing requests on while the sockets stay open. */
async function freezableHop(redisPort: number): Promise<FreezableHop> {
  let frozen = false;
  const held: [Socket, Buffer][] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(redisPort, '127.0.0.1');
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
    client.on('data', (chunk: Buffer) => (frozen ? held.push([upstream, chunk]) : upstream.write(chunk)));
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => (frozen = true),
    thaw: () => {
      frozen = false;
      for (const [socket, chunk] of held.splice(0)) socket.write(chunk);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
