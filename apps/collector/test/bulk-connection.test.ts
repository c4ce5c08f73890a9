import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { RedisBulkConnection, RedisBulkError } from '../src/redis/bulk-connection';
import { RespBuffer } from '../src/redis/resp-buffer';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('RedisBulkConnection: a cycle’s commands as one socket write, replies counted', () => {
  let redis: PrivateRedis;
  let admin: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = createClient({ url: redis.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.quit();
    await redis.stop();
  });

  it('takes a reply or a connection that came in while the event loop was blocked past the timeout for what it is', async () => {
    const conn = new RedisBulkConnection(redis.url, { timeoutMs: 100 });
    const block = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until);
    };
    try {
      for (const round of [0, 1]) {
        // round 0: the connection opens while the loop is blocked; round 1: the reply comes in meanwhile
        const out = new RespBuffer(64);
        out.command(2, 'INCR').string('b:blocked');
        const written = conn.exec(out);
        block(300);
        await expect(written, `round ${round}`).resolves.toBeUndefined();
      }
      expect(await admin.get('b:blocked')).toBe('2');
    } finally {
      conn.close();
    }
  });

  it('writes binary values, integers and repeated strings exactly', async () => {
    const conn = new RedisBulkConnection(redis.url, { timeoutMs: 2_000 });
    const strings = new Map<string, Uint8Array>();
    const value = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256); // every byte value, CR and LF among them
    for (let round = 0; round < 2; round++) {
      const out = new RespBuffer(8, strings); // starts tiny: grows as it goes
      out.command(6, 'HSET').string('b:h').string('EURUSD').bulk(value).string('NAS100').bulk(bytes('é ✓'));
      out.command(4, 'ZADD').string('b:z').int(1_767_600_000_000 + round).bulk(bytes(`bar${round}`));
      out.command(2, 'INCR').string('b:v');
      expect(out.commands).toBe(3);
      await conn.exec(out);
    }
    const raw = await admin.withTypeMapping({ [36]: Buffer } as never).hGet('b:h', 'EURUSD');
    expect(Uint8Array.from(raw as unknown as Buffer)).toEqual(value);
    expect(await admin.hGet('b:h', 'NAS100')).toBe('é ✓');
    expect(await admin.zRangeWithScores('b:z', 0, -1)).toEqual([
      { value: 'bar0', score: 1_767_600_000_000 },
      { value: 'bar1', score: 1_767_600_000_001 },
    ]);
    expect(await admin.get('b:v')).toBe('2');
    conn.close();
  });

  it('rejects with the reply’s error text when Redis refuses a command, and the commands around it still run', async () => {
    const conn = new RedisBulkConnection(redis.url, { timeoutMs: 2_000 });
    await admin.set('b:str', 'x');
    const out = new RespBuffer();
    out.command(2, 'INCR').string('b:n1');
    out.command(4, 'HSET').string('b:str').string('f').string('v'); // WRONGTYPE
    out.command(2, 'INCR').string('b:n2');
    const error = await conn.exec(out).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RedisBulkError);
    expect((error as RedisBulkError).code).toBe('reply_error');
    expect((error as Error).message).toMatch(/^WRONGTYPE/);
    expect([await admin.get('b:n1'), await admin.get('b:n2')]).toEqual(['1', '1']);
    // the connection stays usable: replies stayed in step
    const next = new RespBuffer();
    next.command(2, 'INCR').string('b:n1');
    await conn.exec(next);
    expect(await admin.get('b:n1')).toBe('2');
    conn.close();
  });

  it('authenticates (password, or user and password) and selects the URL’s database', async () => {
    await admin.sendCommand(['ACL', 'SETUSER', 'writer', 'on', '>s3cret', '~*', '+@all']);
    const url = new URL(redis.url);
    url.username = 'writer';
    url.password = 's3cret';
    url.pathname = '/3';
    const conn = new RedisBulkConnection(url.toString(), { timeoutMs: 2_000 });
    const out = new RespBuffer();
    out.command(3, 'SET').string('b:db3').string('here');
    await conn.exec(out);
    await admin.select(3);
    expect(await admin.get('b:db3')).toBe('here');
    await admin.select(0);
    expect(await admin.get('b:db3')).toBeNull();
    conn.close();

    url.password = 'wrong';
    const refused = new RedisBulkConnection(url.toString(), { timeoutMs: 2_000 });
    await expect(refused.exec(out)).rejects.toThrow(/WRONGPASS|invalid/i);
    refused.close();
  });

  it('fails what waits when Redis goes away, and reconnects on the next write once it is back', async () => {
    const own = await startPrivateRedis();
    const conn = new RedisBulkConnection(own.url, { timeoutMs: 1_000 });
    const one = () => {
      const out = new RespBuffer();
      out.command(3, 'SET').string('b:k').string('v');
      return conn.exec(out);
    };
    await one();
    await own.stop();
    const error = await one().then(() => null, (e: unknown) => e);
    expect((error as RedisBulkError).code).toBe('connection');
    await own.restart();
    await one();
    const check = createClient({ url: own.url });
    await check.connect();
    expect(await check.get('b:k')).toBe('v');
    await check.quit();
    conn.close();
    await own.stop();
  });

  it('times out when Redis does not answer (a paused server), then works again', async () => {
    const conn = new RedisBulkConnection(redis.url, { timeoutMs: 300 });
    const out = new RespBuffer();
    out.command(3, 'SET').string('b:slow').string('v');
    await conn.exec(out);
    const pause = admin.sendCommand(['CLIENT', 'PAUSE', '800', 'WRITE']);
    await pause;
    const started = Date.now();
    const error = await conn.exec(out).then(() => null, (e: unknown) => e);
    expect((error as RedisBulkError).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(700);
    await new Promise((r) => setTimeout(r, 600));
    await conn.exec(out);
    conn.close();
  });
});

it('RespBuffer writes lengths and counts of every digit count, and a reset buffer writes the same bytes again', () => {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const out = new RespBuffer(4);
  for (const n of [0, 9, 10, 99, 100, 12_345, 1_000_000]) {
    out.reset().command(2, 'SET').bulk(new Uint8Array(n).fill(120));
    expect(text(out.bytes())).toBe(`*2\r\n$3\r\nSET\r\n$${n}\r\n${'x'.repeat(n)}\r\n`);
  }
  out.reset().command(12_345, 'HSET');
  expect(text(out.bytes())).toBe('*12345\r\n$4\r\nHSET\r\n');
});
