import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from '@marketpipe/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { Child } from './demo-children';
import { adoptSnapshot, redisArgs, redisCli, redisPing } from './demo-redis';
import { Supervised } from './supervisor';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'demo-redis-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function redisServer(args: string[]): Child {
  const child = new Child('redis', 'redis-server', args, { onLine: () => undefined });
  cleanups.push(() => child.stop(5_000));
  return child;
}

/** The demo's Redis (same command line) under supervision, on a free port in a temp dir. */
async function superviseRedis(dir: string) {
  const port = await freePort();
  const lines: string[] = [];
  const where = `on 127.0.0.1:${port} with data in ${dir}`;
  const redis = new Supervised('redis', {
    start: () => redisServer(redisArgs(port, dir)),
    where,
    say: (line) => lines.push(line),
    onGiveUp: (reason) => lines.push(reason),
  });
  cleanups.push(() => redis.stop(5_000));
  await eventually(() => redisPing(`redis://127.0.0.1:${port}`));
  return { redis, port, lines, where };
}

describe('the demo supervising its private Redis', () => {
  it('restarts a SIGKILLed redis-server on the same port and data dir, with its keys', async () => {
    const { redis, port, lines, where } = await superviseRedis(await tempDir());
    expect(await redisCli(port, 'SET', 'bars:EURUSD', 'kept')).toBe('OK');

    const killed = redis.child.process.pid!;
    const t0 = Date.now();
    process.kill(killed, 'SIGKILL');
    await eventually(async () => redis.child.process.pid !== killed && (await redisPing(`redis://127.0.0.1:${port}`)), { timeoutMs: 5_000 });

    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(await redisCli(port, 'GET', 'bars:EURUSD')).toBe('kept');
    expect(lines).toEqual([`redis exited unexpectedly (signal SIGKILL); restarting it ${where} in 0.5 s (restart #1)`]);
    expect(redis.restarts).toBe(1);
  });

  it('does not restart a redis-server it was asked to stop', async () => {
    const { redis, lines } = await superviseRedis(await tempDir());
    const stopped = redis.child;
    await redis.stop(5_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(redis.child).toBe(stopped);
    expect(lines).toEqual([]);
  });

  it('keeps the keys of a data dir from before the AOF (dump.rdb only)', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const legacy = redisServer(['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'no']);
    await eventually(() => redisPing(`redis://127.0.0.1:${port}`));
    await redisCli(port, 'SET', 'old', 'snapshot');
    await legacy.stop(5_000); // SIGTERM: Redis saves dump.rdb

    const spawn = (args: string[]) => redisServer(args);
    expect(await adoptSnapshot(port, dir, spawn)).toBe(true);
    expect(await adoptSnapshot(port, dir, spawn)).toBe(false);

    const { redis, port: newPort } = await superviseRedis(dir);
    expect(await redisCli(newPort, 'GET', 'old')).toBe('snapshot');
    await redisCli(newPort, 'SET', 'new', 'aof');
    process.kill(redis.child.process.pid!, 'SIGKILL');
    await eventually(() => redis.restarts === 1 && redis.child.running && redisPing(`redis://127.0.0.1:${newPort}`), { timeoutMs: 5_000 });
    expect(await redisCli(newPort, 'MGET', 'old', 'new')).toBe('snapshot\naof');
  });

  it('gives up when the process keeps dying, backing off in between', async () => {
    const lines: string[] = [];
    let spawned = 0;
    const gaveUp = new Promise<string>((resolve) => {
      const crasher = new Supervised('crasher', {
        start: () => {
          spawned += 1;
          return new Child('crasher', process.execPath, ['-e', 'process.exit(3)'], {});
        },
        where: 'in place',
        say: (line) => lines.push(line),
        onGiveUp: resolve,
        backoff: { firstMs: 10, maxMs: 40 },
      });
      cleanups.push(() => crasher.stop(1_000));
    });

    expect(await gaveUp).toBe('crasher exited unexpectedly (code 3), 6 times within 60 s: not restarting it again');
    expect(lines.map((line) => line.replace(/^.*restarting it in place /, ''))).toEqual([
      'in 0.01 s (restart #1)',
      'in 0.02 s (restart #2)',
      'in 0.04 s (restart #3)',
      'in 0.04 s (restart #4)',
      'in 0.04 s (restart #5)',
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(spawned).toBe(6);
  });
});
