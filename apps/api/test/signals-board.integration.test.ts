import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, encodeSeen, encodeSignal, redisKeys, type Signal } from '@marketpipe/core';
import { createApp } from '../src/app';
import { BinaryPipeline } from '../src/upstash/binary-pipeline';
import { UpstashMarketDataReader } from '../src/upstash/market-data';
import { CountingLimiter, MemoryKeys, signal } from './fakes';
import './context';

/**
 * /v1/signals' per-isolate board over the real read path: the Worker's REST client, the
 * bridge and a real Redis, written here as the collector writes (msgpack signals, the
 * last-seen hash, INCR of the version counter).
 */

// A Wednesday at 12:00 UTC: every default symbol's market is open.
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const SATURDAY = Date.UTC(2026, 10, 28, 12, 0, 0);

/** The Worker's REST client, counting its round trips, or failing as an unreachable Redis does while `down`. */
class Pipeline extends BinaryPipeline {
  readonly trips: string[][] = [];
  down = false;
  readonly #dead = new BinaryPipeline('http://127.0.0.1:9', 'x');

  override entries(what: string, commands: (string | number)[][]) {
    this.trips.push(commands.map((c) => String(c[0])));
    return this.down ? this.#dead.entries(what, commands) : super.entries(what, commands);
  }
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A writer beside the collector, through the bridge; msgpack crosses the JSON protocol as hex, unhexed by Lua. */
async function redis(commands: (string | number)[][]) {
  const res = await fetch(`${inject('bridgeUrl')}/pipeline`, { method: 'POST', headers: { authorization: `Bearer ${inject('bridgeToken')}` }, body: JSON.stringify(commands) });
  expect(res.ok).toBe(true);
}
const UNHEX_HSET = `return redis.call("HSET", KEYS[1], ARGV[1], (ARGV[2]:gsub("..", function(h) return string.char(tonumber(h, 16)) end)))`;

async function setup() {
  const prefix = `test:board:${crypto.randomUUID()}:`;
  const keys = redisKeys(prefix);
  const pipeline = new Pipeline(inject('bridgeUrl'), inject('bridgeToken'));
  const clock = { now: NOW };
  const app = createApp(
    { market: new UpstashMarketDataReader(pipeline, keys), apiKeys: new MemoryKeys(), rateLimiter: new CountingLimiter() },
    { auth: 'optional', staleAfterMs: 5_000, now: () => clock.now },
  );
  const writeSignal = (s: Signal, bump = true) => redis([['EVAL', UNHEX_HSET, 1, keys.signals, s.symbol, hex(encodeSignal(s))], ...(bump ? [['INCR', keys.version]] : [])]);
  await redis([
    ['SET', keys.symbols, JSON.stringify(DEFAULT_SYMBOL_SPECS)],
    ['HSET', keys.seen, 'EURUSD', encodeSeen(NOW - 400), 'XAUUSD', encodeSeen(NOW - 60_000)],
  ]);
  await writeSignal(signal('EURUSD', 0.4, NOW));
  await writeSignal(signal('XAUUSD', 0.9, NOW));
  const get = (path: string, tag?: string | null) => app.request(path, tag ? { headers: { 'if-none-match': tag } } : {});
  return { keys, pipeline, clock, get, writeSignal };
}

type Body = { items: (Signal & { ageMs: number | null; stale: boolean; marketOpen: boolean })[] };

describe('/v1/signals over the bridge', () => {
  it('costs one round trip per request and sees a collector write at the next request', async () => {
    const { pipeline, get, writeSignal } = await setup();
    const first = await get('/v1/signals?allowStale=true');
    expect(((await first.json()) as Body).items.map((i) => [i.symbol, i.ageMs])).toEqual([['XAUUSD', 60_000], ['EURUSD', 400]]);
    const before = pipeline.trips.length;
    const again = await get('/v1/signals?allowStale=true', first.headers.get('etag'));
    expect(again.status).toBe(304);
    expect(await get('/v1/signals?allowStale=true')).toHaveProperty('status', 200);
    expect(pipeline.trips.slice(before)).toEqual([['EVALSHA'], ['EVALSHA']]);

    await writeSignal(signal('EURUSD', 0.95, NOW + 1_000));
    const after = await get('/v1/signals?allowStale=true', first.headers.get('etag'));
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect(((await after.json()) as Body).items[0]).toMatchObject({ symbol: 'EURUSD', score: 0.95, computedAt: NOW + 1_000 + 512 });
  });

  it('answers 304 without reading the hashes: a write that does not INCR the version goes unseen (the contract)', async () => {
    const { get, writeSignal } = await setup();
    const first = await get('/v1/signals?allowStale=true');
    await writeSignal(signal('EURUSD', 0.95, NOW + 1_000), false);
    expect((await get('/v1/signals?allowStale=true', first.headers.get('etag'))).status).toBe(304);
    expect(await (await get('/v1/signals?allowStale=true')).text()).toBe(await first.clone().text());
  });

  it('changes tag and body as a signal turns stale and as the markets close, with nothing written', async () => {
    const { pipeline, clock, get } = await setup();
    const fresh = await get('/v1/signals');
    expect(((await fresh.clone().json()) as Body).items.map((i) => i.symbol)).toEqual(['EURUSD']);
    const trips = pipeline.trips.length;
    clock.now += 5_000;
    const stale = await get('/v1/signals', fresh.headers.get('etag'));
    expect(stale.status).toBe(200);
    expect(await stale.clone().json()).toEqual({ interval: '1m', items: [] });
    clock.now = SATURDAY;
    const closed = await get('/v1/signals', stale.headers.get('etag'));
    expect(closed.status).toBe(200);
    expect(((await closed.json()) as Body).items.map((i) => [i.symbol, i.stale, i.marketOpen])).toEqual([
      ['XAUUSD', false, false],
      ['EURUSD', false, false],
    ]);
    // The GET: the symbol registry's 10 s cache expired as the clock jumped to Saturday.
    expect(pipeline.trips.slice(trips)).toEqual([['EVALSHA'], ['GET'], ['EVALSHA']]);
  });

  it('answers 503 naming an unreachable Redis though it holds the signals, and 200 once Redis is back', async () => {
    const { pipeline, get } = await setup();
    expect((await get('/v1/signals?allowStale=true')).status).toBe(200);
    pipeline.down = true;
    const down = await get('/v1/signals?allowStale=true');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ type: 'urn:marketpipe:problem:upstream_unavailable', detail: expect.stringMatching(/^reading signals failed: redis unreachable: /) });
    pipeline.down = false;
    expect((await get('/v1/signals?allowStale=true')).status).toBe(200);
  });

  it('reads the list of an interval without signals as before: empty, or the 404 naming the computed ones', async () => {
    const { get } = await setup();
    expect(await (await get('/v1/signals?interval=5m')).json()).toMatchObject({ code: 'interval_unavailable', available: ['1m'] });
  });
});
