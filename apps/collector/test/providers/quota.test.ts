import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient } from 'redis';
import { redisKeys } from '@marketpipe/core';
import { QuotaStore, windowId } from '../../src/providers/quota';

const keys = redisKeys('test:quota:');
async function connect() {
  const client = createClient({ url: inject('redisUrl') });
  await client.connect();
  return client;
}
const clients: Array<Awaited<ReturnType<typeof connect>>> = [];

async function freshStore(): Promise<QuotaStore> {
  const client = await connect();
  clients.push(client);
  return new QuotaStore({ redis: client, keys });
}

let store: QuotaStore;
beforeAll(async () => {
  store = await freshStore();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

const NOW = Date.UTC(2031, 0, 2, 10, 15, 30);

describe('QuotaStore', () => {
  it('grants up to the limit in a window and refuses after, spending nothing on refusal', async () => {
    const limits = [{ window: 'minute' as const, limit: 5 }];
    const grants = [];
    for (let i = 0; i < 7; i += 1) grants.push(await store.tryAcquire('polygon', limits, NOW));
    expect(grants).toEqual([true, true, true, true, true, false, false]);
    expect(await store.used('polygon', 'minute', NOW)).toBe(5);
    expect(await store.tryAcquire('polygon', limits, NOW + 60_000), 'next minute has room').toBe(true);
  });

  it('spends a batch request\'s credits all or none: a batch that no longer fits is refused whole', async () => {
    const limits = [
      { window: 'minute' as const, limit: 10 },
      { window: 'day' as const, limit: 100 },
    ];
    const at = NOW + 3 * 60_000;
    expect(await store.tryAcquire('batched', limits, at, 6)).toBe(true);
    expect(await store.tryAcquire('batched', limits, at, 5), '6 + 5 > 10').toBe(false);
    expect(await store.used('batched', 'minute', at)).toBe(6);
    expect(await store.tryAcquire('batched', limits, at, 4), 'exactly to the limit').toBe(true);
    expect(await store.used('batched', 'minute', at)).toBe(10);
    expect(await store.used('batched', 'day', at)).toBe(10);
  });

  it('keeps its counts across a restart (a new store on the same Redis)', async () => {
    const limits = [{ window: 'minute' as const, limit: 5 }, { window: 'day' as const, limit: 25 }];
    for (let i = 0; i < 3; i += 1) expect(await store.tryAcquire('alphavantage', limits, NOW)).toBe(true);
    const restarted = await freshStore();
    expect(await restarted.used('alphavantage', 'minute', NOW)).toBe(3);
    const grants = [];
    for (let i = 0; i < 4; i += 1) grants.push(await restarted.tryAcquire('alphavantage', limits, NOW));
    expect(grants).toEqual([true, true, false, false]);
    expect(await restarted.used('alphavantage', 'day', NOW)).toBe(5);
  });

  it('never overshoots under concurrency, and a spent day window blocks every minute', async () => {
    const limits = [{ window: 'minute' as const, limit: 8 }, { window: 'day' as const, limit: 10 }];
    const first = await Promise.all(Array.from({ length: 20 }, () => store.tryAcquire('twelvedata', limits, NOW)));
    expect(first.filter(Boolean)).toHaveLength(8);
    const second = await Promise.all(Array.from({ length: 20 }, () => store.tryAcquire('twelvedata', limits, NOW + 60_000)));
    expect(second.filter(Boolean), 'only 2 left for the day').toHaveLength(2);
    expect(await store.used('twelvedata', 'day', NOW)).toBe(10);
  });

  it('stores counters under {prefix}quota:{provider}:{window} with an expiry at the window end', async () => {
    const client = clients[0]!;
    const key = keys.quota('polygon', windowId('minute', NOW));
    expect(key).toBe('test:quota:quota:polygon:2031-01-02T10:15');
    const expireAt = await client.pExpireTime(key);
    expect(expireAt).toBe(Date.UTC(2031, 0, 2, 10, 16) + 1_000);
  });
});

describe('QuotaStore while Redis is unreachable', () => {
  it('counts conservatively in process, then adds what it spent to Redis on the first call that reaches it', async () => {
    const client = await connect();
    clients.push(client);
    let down = false;
    // The real client, made to fail the way a dead connection does while `down` is set.
    const flaky = {
      eval: (script: string, o: { keys: string[]; arguments: string[] }) => (down ? Promise.reject(new Error('The client is offline')) : client.eval(script, o)),
      get: (key: string) => client.get(key),
    };
    const transitions: boolean[] = [];
    const quota = new QuotaStore({ redis: flaky, keys: redisKeys('test:quota:offline:'), onOffline: (o) => transitions.push(o) });
    const limits = [{ window: 'minute' as const, limit: 6 }];
    const at = NOW + 3_600_000;
    expect([await quota.tryAcquire('twelvedata', limits, at), await quota.tryAcquire('twelvedata', limits, at)]).toEqual([true, true]);
    down = true;
    const offline = [];
    for (let i = 0; i < 6; i++) offline.push(await quota.tryAcquire('twelvedata', limits, at));
    expect(offline, 'the 2 Redis counted plus 4 in process reach the limit, never beyond').toEqual([true, true, true, true, false, false]);
    down = false;
    expect(await quota.tryAcquire('twelvedata', limits, at), 'Redis now knows all 6 were spent').toBe(false);
    expect(await quota.used('twelvedata', 'minute', at)).toBe(6);
    expect(transitions).toEqual([true, false]);
  });

  it('assumes half a window spent when Redis was never reached', async () => {
    const quota = new QuotaStore({ redis: { eval: () => Promise.reject(new Error('ECONNREFUSED')), get: async () => null }, keys });
    const grants = [];
    for (let i = 0; i < 6; i++) grants.push(await quota.tryAcquire('polygon', [{ window: 'day', limit: 8 }], NOW));
    expect(grants).toEqual([true, true, true, true, false, false]);
  });
});

describe('QuotaStore memory', () => {
  it('forgets the counts of windows that ended, so a long run does not grow one entry a minute', async () => {
    const quota = new QuotaStore({ redis: { eval: () => Promise.reject(new Error('offline')), get: async () => null }, keys });
    const limits = [{ window: 'minute' as const, limit: 1_000 }];
    for (let m = 0; m < 500; m++) await quota.tryAcquire('polygon', limits, NOW + m * 60_000);
    expect(quota.spent('polygon', limits, NOW + 499 * 60_000), 'the current window is kept').toEqual([1]);
    expect(quota.spent('polygon', limits, NOW), 'an ended window is forgotten').toEqual([0]);
  });
});
