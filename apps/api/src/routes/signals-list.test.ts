import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, isMarketOpen } from '@marketpipe/core';
import { createApp } from '../app';
import { UpstreamError } from '../errors';
import { hashApiKey } from '../middleware/auth';
import { CountingLimiter, MemoryKeys, MemoryMarket, signal } from '../../test/fakes';

// A Wednesday at 12:00 UTC: every default symbol's market is open.
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const SATURDAY = Date.UTC(2026, 10, 28, 12, 0, 0);

let market: MemoryMarket;
let keys: MemoryKeys;
let clock: { now: number };

const newApp = () => createApp({ market, apiKeys: keys, rateLimiter: new CountingLimiter() }, { auth: 'required', staleAfterMs: 5_000, now: () => clock.now });
let app: ReturnType<typeof newApp>;
const get = (path: string, tag?: string | null) => app.request(path, { headers: { authorization: 'Bearer k', ...(tag ? { 'if-none-match': tag } : {}) } });

beforeEach(async () => {
  market = new MemoryMarket();
  keys = new MemoryKeys();
  keys.records.set(await hashApiKey('k'), { name: 'k', createdAt: NOW, revoked: false });
  clock = { now: NOW };
  market.sigs.set('EURUSD', signal('EURUSD', 0.4, NOW));
  market.sigs.set('XAUUSD', signal('XAUUSD', 0.9, NOW));
  market.sigs.set('NAS100', signal('NAS100', 0.4, NOW));
  market.seen.set('EURUSD', NOW - 400);
  market.seen.set('XAUUSD', NOW - 60_000);
  // NAS100 never seen: unknown age
  market.version = 1;
  app = newApp();
});

/** The list as the route built it before the board: every item's signal spread with its freshness, best first. */
function expected(minScore: number, allowStale: boolean) {
  const items = [...market.sigs.values()].flatMap((value) => {
    const spec = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === value.symbol)!;
    const marketOpen = isMarketOpen(spec.session, clock.now);
    const updatedAt = market.seen.get(value.symbol) ?? null;
    const ageMs = updatedAt === null ? null : Math.max(0, clock.now - updatedAt);
    const stale = marketOpen && (ageMs === null || ageMs > 5_000);
    return value.score < minScore || (stale && !allowStale) ? [] : [{ ...value, ageMs, stale, marketOpen }];
  });
  items.sort((a, b) => b.score - a.score || (a.symbol < b.symbol ? -1 : 1));
  return JSON.stringify({ interval: '1m', items });
}

describe('GET /v1/signals from the isolate’s board', () => {
  it.each([
    ['', 0, false],
    ['?allowStale=true', 0, true],
    ['?allowStale=true&minScore=0.5', 0.5, true],
  ])('sends byte for byte what JSON.stringify of the items would (%s)', async (query, minScore, allowStale) => {
    for (const at of [NOW, SATURDAY]) {
      clock.now = at;
      const res = await get(`/v1/signals${query}`);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.text()).toBe(expected(minScore, allowStale));
    }
  });

  it('reads every signal once per version, and sees a new version at the next request', async () => {
    const first = await get('/v1/signals?allowStale=true');
    await get('/v1/signals?allowStale=true');
    await get('/v1/signals');
    expect(market.fullSignalReads).toBe(1);

    market.sigs.set('EURUSD', signal('EURUSD', 0.95, NOW + 1_000));
    market.version = 2;
    const after = await get('/v1/signals?allowStale=true', first.headers.get('etag'));
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect(((await after.json()) as { items: { symbol: string }[] }).items[0]).toMatchObject({ symbol: 'EURUSD', score: 0.95 });
    expect(market.fullSignalReads).toBe(2);
  });

  it('answers If-None-Match from the version alone: a change the collector did not count is not seen (the contract)', async () => {
    const first = await get('/v1/signals?allowStale=true');
    const tag = first.headers.get('etag');
    market.sigs.set('EURUSD', signal('EURUSD', 0.95, NOW + 1_000));
    const again = await get('/v1/signals?allowStale=true', tag);
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(tag);
    expect(await (await get('/v1/signals?allowStale=true')).text()).toBe(await first.clone().text());
    expect(market.fullSignalReads).toBe(1);
  });

  it('gives the same data the same tag in another isolate, and different queries different tags', async () => {
    const tag = (await get('/v1/signals?allowStale=true')).headers.get('etag');
    app = newApp();
    expect((await get('/v1/signals?allowStale=true', tag)).status).toBe(304);
    expect((await get('/v1/signals?allowStale=true&minScore=0.5', tag)).status).toBe(200);
    expect((await get('/v1/signals?allowStale=true&interval=1m', tag)).status).toBe(304);
  });

  it('changes tag and body when a signal turns stale, though nothing was written', async () => {
    const before = await get('/v1/signals');
    expect(((await before.clone().json()) as { items: { symbol: string }[] }).items.map((i) => i.symbol)).toEqual(['EURUSD']);
    clock.now += 4_000;
    expect((await get('/v1/signals', before.headers.get('etag'))).status, 'EURUSD is 4.4 s old: still fresh').toBe(304);
    clock.now += 1_000;
    const after = await get('/v1/signals', before.headers.get('etag'));
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect(await after.json()).toEqual({ interval: '1m', items: [] });
    expect(market.fullSignalReads).toBe(1);
  });

  it('changes tag and body when the markets close, no signal turning stale or fresh', async () => {
    for (const symbol of market.sigs.keys()) market.seen.set(symbol, NOW - 100);
    market.version = 2;
    const before = await get('/v1/signals?allowStale=true');
    expect(((await before.clone().json()) as { items: { stale: boolean }[] }).items.every((i) => !i.stale)).toBe(true);
    clock.now = SATURDAY;
    const after = await get('/v1/signals?allowStale=true', before.headers.get('etag'));
    expect(after.status).toBe(200);
    const items = ((await after.json()) as { items: { marketOpen: boolean; stale: boolean }[] }).items;
    expect(items.every((i) => !i.marketOpen && !i.stale)).toBe(true);
  });

  it('reads in full every time when nothing stamps a version, its tag still following the data', async () => {
    market.version = null;
    const first = await get('/v1/signals?allowStale=true');
    expect((await get('/v1/signals?allowStale=true', first.headers.get('etag'))).status).toBe(304);
    market.seen.set('EURUSD', NOW - 100);
    expect((await get('/v1/signals?allowStale=true', first.headers.get('etag'))).status).toBe(200);
    expect(market.fullSignalReads).toBe(3);
  });

  it('answers 503 while Redis fails, then reads afresh: a restarted Redis may reuse a version number', async () => {
    await get('/v1/signals?allowStale=true');
    const signalsSince = market.signalsSince.bind(market);
    market.signalsSince = () => Promise.reject(new UpstreamError('reading signals failed: redis unreachable: cannot reach the REST endpoint'));
    const down = await get('/v1/signals?allowStale=true');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ detail: expect.stringContaining('redis unreachable') });
    market.signalsSince = signalsSince;
    market.sigs.delete('XAUUSD');
    const back = await get('/v1/signals?allowStale=true');
    expect(((await back.json()) as { items: { symbol: string }[] }).items.map((i) => i.symbol)).toEqual(['EURUSD', 'NAS100']);
  });
});
