import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '@marketpipe/testkit';
import { startBridge, type RunningBridge } from '../src';

/**
 * Errors as Upstash's REST API reports them, so that `@upstash/redis` throws against the
 * bridge exactly where it throws against Upstash: a single command's error is HTTP 400
 * `{ error }`; in a pipeline or transaction each command gets its own `{ error }` entry. The
 * cases are those `@upstash/redis`'s own suite asserts against a real Upstash database.
 */
const TOKEN = 'test-token-0123456789abcdef';

let redis: PrivateRedis;
let bridge: RunningBridge;
let client: Redis;
let key = 0;
const newKey = (what: string) => `err:${what}:${++key}`;

beforeAll(async () => {
  redis = await startPrivateRedis();
  bridge = await startBridge({ port: 0, token: TOKEN, redisUrl: redis.url });
  // Auto-pipelining off: each call is its own request, so the single-command path is what is tested.
  client = new Redis({ url: bridge.url, token: TOKEN, enableTelemetry: false, enableAutoPipelining: false });
});

afterAll(async () => {
  await bridge?.close();
  await redis?.stop();
});

async function rest(path: string, body: unknown) {
  const res = await fetch(`${bridge.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
}

const XGROUP_NO_KEY = /^ERR The XGROUP subcommand requires the key to exist/;

describe('a single command that Redis refuses', () => {
  it('throws for SADD without members', async () => {
    // The typed `sadd` insists on a member; `exec` sends the command as given.
    await expect(client.exec(['SADD', newKey('sadd')])).rejects.toThrow(/wrong number of arguments for 'sadd'/);
  });

  it('throws for EVAL_RO running a write command', async () => {
    const k = newKey('ro');
    await client.set(k, 'v');
    await expect(client.evalRo('return redis.call("DEL", KEYS[1])', [k], [])).rejects.toThrow(/Write commands are not allowed from read-only scripts/);
    expect(await client.get(k)).toBe('v');
  });

  it('throws for XGROUP CREATE on a missing stream without MKSTREAM', async () => {
    await expect(client.xgroup(newKey('stream'), { type: 'CREATE', group: 'g', id: '$' })).rejects.toThrow(XGROUP_NO_KEY);
  });

  it('throws for XGROUP DESTROY on a missing stream', async () => {
    await expect(client.xgroup(newKey('stream'), { type: 'DESTROY', group: 'g' })).rejects.toThrow(XGROUP_NO_KEY);
  });

  it('answers each with HTTP 400 and the error text alone', async () => {
    for (const command of [
      ['SADD', newKey('sadd')],
      ['EVAL_RO', 'return redis.call("SET", KEYS[1], "x")', '1', newKey('ro')],
      ['XGROUP', 'CREATE', newKey('stream'), 'g', '$'],
      ['XGROUP', 'DESTROY', newKey('stream'), 'g'],
    ]) {
      const res = await rest('/', command);
      expect(res.status, command[0]).toBe(400);
      expect(res.body, command[0]).toEqual({ error: expect.stringMatching(/^ERR /) });
    }
  });
});

describe('errors inside a pipeline or a transaction', () => {
  it('throws from a pipeline with an error entry when keepErrors is off, naming the command', async () => {
    const p = client.pipeline();
    p.set(newKey('p'), '1');
    p.evalsha('0000000000000000000000000000000000000000', [], []);
    p.get(newKey('p'));
    await expect(p.exec()).rejects.toThrow(/^Command 2 \[ evalsha \] failed: NOSCRIPT /);
  });

  it('returns the same entry as an error when keepErrors is on, and runs the other commands', async () => {
    const k = newKey('p');
    const p = client.pipeline();
    p.set(k, '1');
    p.xgroup(newKey('stream'), { type: 'DESTROY', group: 'g' });
    p.get(k);
    const results = await p.exec({ keepErrors: true });
    expect(results.map((r) => r.error)).toEqual([undefined, expect.stringMatching(XGROUP_NO_KEY), undefined]);
    expect(results[2]?.result).toBe(1);
  });

  it('answers a pipeline and a transaction with one { error } entry per failed command, HTTP 200', async () => {
    const stream = newKey('stream');
    for (const path of ['/pipeline', '/multi-exec']) {
      const res = await rest(path, [['PING'], ['XGROUP', 'DESTROY', stream, 'g'], ['EVAL_RO', 'return redis.call("DEL", KEYS[1])', '1', stream]]);
      expect(res.status, path).toBe(200);
      expect(res.body, path).toEqual([
        { result: 'PONG' },
        { error: expect.stringMatching(XGROUP_NO_KEY) },
        { error: expect.stringMatching(/^ERR Write commands are not allowed from read-only scripts/) },
      ]);
    }
  });

  it('throws from a transaction whose command fails while it runs', async () => {
    const tx = client.multi();
    tx.set(newKey('t'), '1');
    tx.xgroup(newKey('stream'), { type: 'CREATE', group: 'g', id: '$' });
    await expect(tx.exec()).rejects.toThrow(/^Command 2 \[ XGROUP \] failed: ERR The XGROUP subcommand requires the key to exist/);
  });
});
