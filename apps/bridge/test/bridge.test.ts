import { createHash } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { startBridge, type RunningBridge } from '../src';

let redis: PrivateRedis;
let bridge: RunningBridge;
let client: Redis;

const TOKEN = 'test-token-0123456789abcdef';

beforeAll(async () => {
  redis = await startPrivateRedis();
  bridge = await startBridge({ port: 0, token: TOKEN, redisUrl: redis.url });
  client = new Redis({ url: bridge.url, token: TOKEN, enableTelemetry: false });
});

afterAll(async () => {
  await bridge?.close();
  await redis?.stop();
});

/** A REST call made by hand, to see exactly what goes over the wire. */
async function rest(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${bridge.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

describe('with the @upstash/redis client', () => {
  it('round-trips strings, including non-ASCII text', async () => {
    await client.set('s:ascii', 'hello');
    await client.set('s:utf8', 'Grüße, 東京 🚀');
    expect(await client.get('s:ascii')).toBe('hello');
    expect(await client.get('s:utf8')).toBe('Grüße, 東京 🚀');
  });

  it('returns integers as numbers and missing keys as null', async () => {
    expect(await client.incr('n:counter')).toBe(1);
    expect(await client.incrby('n:counter', 41)).toBe(42);
    expect(await client.get('n:missing')).toBeNull();
    expect(await client.hget('h:missing', 'f')).toBeNull();
  });

  it('deserializes JSON values and returns hashes as objects', async () => {
    await client.set('j:obj', { name: 'a', n: 1 });
    expect(await client.get('j:obj')).toEqual({ name: 'a', n: 1 });
    await client.hset('h:1', { a: 'x', b: 2 });
    expect(await client.hgetall('h:1')).toEqual({ a: 'x', b: 2 });
    expect(await client.hgetall('h:none')).toBeNull();
  });

  it('reads sorted-set ranges by score', async () => {
    await client.zadd('z:1', { score: 1, member: 'one' }, { score: 2, member: 'two' }, { score: 3, member: 'three' });
    expect(await client.zrange('z:1', 2, 3, { byScore: true })).toEqual(['two', 'three']);
  });

  it('runs pipelines, reporting each command’s error separately', async () => {
    await client.set('p:str', 'text');
    const p = client.pipeline();
    p.set('p:a', 'v');
    p.incr('p:str');
    p.get('p:a');
    const results = await p.exec({ keepErrors: true });
    expect(results[0]).toEqual({ result: 'OK', error: undefined });
    expect(results[1]?.error).toMatch(/not an integer/);
    expect(results[2]).toEqual({ result: 'v', error: undefined });
  });

  it('runs transactions atomically with multi-exec', async () => {
    const tx = client.multi();
    tx.set('t:a', '1');
    tx.incr('t:a');
    tx.get('t:a');
    expect(await tx.exec()).toEqual(['OK', 2, 2]);
  });

  it('throws on a single command’s Redis error', async () => {
    await client.set('e:str', 'text');
    await expect(client.incr('e:str')).rejects.toThrow(/not an integer/);
  });

  it('rejects a wrong token', async () => {
    const wrong = new Redis({ url: bridge.url, token: 'not-the-token', enableTelemetry: false, enableAutoPipelining: false });
    await expect(wrong.get('s:ascii')).rejects.toThrow(/WRONGPASS invalid or missing auth token/);
  });

  it('serves a base URL with a path prefix', async () => {
    const prefixed = new Redis({ url: `${bridge.url}/some/prefix`, token: TOKEN, enableTelemetry: false });
    await prefixed.set('bp:k', 'v');
    expect(await prefixed.get('bp:k')).toBe('v');
  });
});

describe('on the wire', () => {
  it('carries binary values byte for byte as base64 of the raw bytes', async () => {
    const bytes = Buffer.from([0x93, 0xa6, 0x45, 0x55, 0x52, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0x0a]);
    // JSON carries no raw bytes, so Lua builds the value from hex: nothing on the way decodes it.
    const hex = bytes.toString('hex');
    const lua = "local s='' for i=1,#ARGV[1],2 do s=s..string.char(tonumber(string.sub(ARGV[1],i,i+1),16)) end return redis.call('SET',KEYS[1],s)";
    expect((await rest('/', ['EVAL', lua, '1', 'b:raw', hex])).status).toBe(200);

    const one = await rest('/', ['GET', 'b:raw'], { 'upstash-encoding': 'base64' });
    expect(Buffer.from((one.body as { result: string }).result, 'base64').equals(bytes)).toBe(true);

    const batch = await rest('/pipeline', [['HSET', 'b:h', 'f', 'y'], ['EVAL', lua, '1', 'b:raw2', hex], ['MGET', 'b:raw', 'b:raw2', 'b:none']], {
      'upstash-encoding': 'base64',
    });
    const [, , mget] = batch.body as [unknown, unknown, { result: [string, string, null] }];
    expect(Buffer.from(mget.result[0], 'base64').equals(bytes)).toBe(true);
    expect(Buffer.from(mget.result[1], 'base64').equals(bytes)).toBe(true);
    expect(mget.result[2]).toBeNull();

    // Why apps/api reads msgpack through its own REST reader: the client decodes base64 as UTF-8.
    const viaClient = await new Redis({ url: bridge.url, token: TOKEN, enableTelemetry: false, automaticDeserialization: false }).get<string>('b:raw');
    expect(Buffer.from(viaClient ?? '', 'utf8').equals(bytes), '@upstash/redis mangles non-UTF-8 bytes').toBe(false);
  });

  it('returns strings as plain text without the base64 header', async () => {
    await client.set('w:text', 'plain ü');
    expect((await rest('/', ['GET', 'w:text'])).body).toEqual({ result: 'plain ü' });
  });

  it('returns RESP2 shapes: HGETALL as a flat array, integers as numbers, floats as strings', async () => {
    await rest('/', ['HSET', 'w:h', 'a', '1', 'b', '2']);
    expect((await rest('/', ['HGETALL', 'w:h'])).body).toEqual({ result: ['a', '1', 'b', '2'] });
    expect((await rest('/', ['HGETALL', 'w:none'])).body).toEqual({ result: [] });
    expect((await rest('/', ['INCRBYFLOAT', 'w:f', 1.5])).body).toEqual({ result: '1.5' });
    expect((await rest('/', ['HLEN', 'w:h'])).body).toEqual({ result: 2 });
  });

  it('answers a single command’s Redis error with 400 and the error text', async () => {
    const res = await rest('/', ['NOSUCHCOMMAND', 'x']);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(/^ERR unknown command/) });
  });

  it('discards a transaction with a queueing error as a whole', async () => {
    const res = await rest('/multi-exec', [['SET', 'w:tx', '1'], ['NOSUCHCOMMAND']]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(/^EXECABORT/) });
    expect((await rest('/', ['GET', 'w:tx'])).body).toEqual({ result: null });
  });

  it('refuses blocking commands', async () => {
    const res = await rest('/', ['BLPOP', 'q', '0']);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(/not supported/) });
  });

  it('answers 401 without a token and 405 on a wrong method', async () => {
    const noAuth = await fetch(`${bridge.url}/`, { method: 'POST', body: '["PING"]' });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ error: 'WRONGPASS invalid or missing auth token' });
    const get = await fetch(`${bridge.url}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
  });

  it('answers 400 on a body that is not a JSON command', async () => {
    const res = await fetch(`${bridge.url}/`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{nope' });
    expect(res.status).toBe(400);
  });

  it('sends an upstash-sync-token that changes on every response', async () => {
    const a = await rest('/', ['PING']);
    const b = await rest('/', ['PING']);
    expect(a.headers.get('upstash-sync-token')).toBeTruthy();
    expect(a.headers.get('upstash-sync-token')).not.toBe(b.headers.get('upstash-sync-token'));
  });
});

describe('Upstash-only Lua flags', () => {
  it('runs @upstash/ratelimit scripts flagged allow-key-locking, then finds them by their SHA', async () => {
    const limiter = new Ratelimit({ redis: client, limiter: Ratelimit.slidingWindow(2, '60 s'), prefix: 'rl', ephemeralCache: false });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await limiter.limit('user')).success);
    expect(results).toEqual([true, true, false]);
    const script = '#!lua flags=allow-key-locking,no-writes\nreturn 7';
    expect(await client.eval(script, [], [])).toBe(7);
    const sha = createHash('sha1').update(script).digest('hex');
    expect(await client.evalsha(sha, [], [])).toBe(7);
  });
});
