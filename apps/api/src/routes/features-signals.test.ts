import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { hashApiKey } from '../middleware/auth';
import { CountingLimiter, features, MemoryKeys, MemoryMarket, signal } from '../../test/fakes';

// A Wednesday at 12:00 UTC: every default symbol's market is open.
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
let market: MemoryMarket;
let keys: MemoryKeys;

const app = () => createApp({ market, apiKeys: keys, rateLimiter: new CountingLimiter() }, { auth: 'required', staleAfterMs: 5_000, now: () => NOW });
const get = (path: string) => app().request(path, { headers: { authorization: 'Bearer k' } });

beforeEach(async () => {
  market = new MemoryMarket();
  keys = new MemoryKeys();
  keys.records.set(await hashApiKey('k'), { name: 'k', createdAt: NOW, revoked: false });
  market.feats.set('EURUSD', features('EURUSD', NOW));
  market.feats.set('XAUUSD', features('XAUUSD', NOW));
  market.seen.set('EURUSD', NOW - 400);
  market.seen.set('XAUUSD', NOW - 60_000);
  market.sigs.set('EURUSD', signal('EURUSD', 0.4, NOW));
  market.sigs.set('XAUUSD', signal('XAUUSD', 0.9, NOW));
  market.sigs.set('NAS100', signal('NAS100', 0.7, NOW));
  market.seen.set('NAS100', NOW - 100);
});

describe('GET /v1/features', () => {
  it('returns one symbol’s features with its freshness', async () => {
    const res = await get('/v1/features/EURUSD');
    expect(res.headers.get('cache-control')).toBe('private, max-age=1');
    expect(await res.json()).toEqual({ symbol: 'EURUSD', features: features('EURUSD', NOW), ageMs: 400, stale: false, marketOpen: true });
  });

  it('answers 404 for a known symbol without features yet', async () => {
    const res = await get('/v1/features/NAS100');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('returns a batch with unknown and empty symbols listed as missing', async () => {
    const body = (await (await get('/v1/features?symbols=EURUSD,XAUUSD,NAS100,NOPE')).json()) as {
      items: { symbol: string; stale: boolean }[];
      missing: string[];
    };
    expect(body.items.map((i) => [i.symbol, i.stale])).toEqual([
      ['EURUSD', false],
      ['XAUUSD', true],
    ]);
    expect(body.missing).toEqual(['NAS100', 'NOPE']);
  });

  it('returns every symbol when none are named', async () => {
    const body = (await (await get('/v1/features')).json()) as { items: unknown[]; missing: string[] };
    expect(body.items).toHaveLength(2);
    expect(body.missing).toEqual(['NAS100']);
  });
});

describe('GET /v1/signals', () => {
  it('lists fresh signals above minScore, best first, leaving stale ones out', async () => {
    const body = (await (await get('/v1/signals?minScore=0.5')).json()) as { items: { symbol: string; ageMs: number }[] };
    expect(body.items.map((i) => i.symbol)).toEqual(['NAS100']);
    expect(body.items[0]).toMatchObject({ score: 0.7, ageMs: 100, stale: false, marketOpen: true });
  });

  it('includes stale signals when asked', async () => {
    const body = (await (await get('/v1/signals?allowStale=true')).json()) as { items: { symbol: string }[] };
    expect(body.items.map((i) => i.symbol)).toEqual(['XAUUSD', 'NAS100', 'EURUSD']);
  });

  it('returns one signal with the broker’s symbol', async () => {
    const body = await (await get('/v1/signals/NAS100?broker=ftmo')).json();
    expect(body).toMatchObject({ symbol: 'NAS100', brokerSymbol: 'US100.cash', stale: false });
  });

  it('refuses a stale signal with 503 unless allowStale=true', async () => {
    const refused = await get('/v1/signals/XAUUSD');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ type: 'urn:marketpipe:problem:stale_data' });
    expect((await get('/v1/signals/XAUUSD?allowStale=true')).status).toBe(200);
  });

  it.each(['minScore=2', 'allowStale=yes'])('answers %s with a 400 problem', async (query) => {
    expect((await get(`/v1/signals?${query}`)).status).toBe(400);
  });
});

describe('GET /v1/signals/{symbol}?broker=', () => {
  it('answers an unknown broker with a 400 naming the known ones', async () => {
    const res = await get('/v1/signals/NAS100?broker=nosuchbroker');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'invalid_request',
      detail: 'broker: unknown broker "nosuchbroker"; known brokers: ftmo, icmarkets, oanda',
      issues: [{ path: 'broker', message: 'unknown broker "nosuchbroker"; known brokers: ftmo, icmarkets, oanda' }],
    });
  });

  it('gives the canonical name for a known broker without an alias for this symbol', async () => {
    market.specs = market.specs.map((s) => (s.symbol === 'NAS100' ? { ...s, brokers: { ftmo: 'US100.cash' } } : s));
    const body = await (await get('/v1/signals/NAS100?broker=icmarkets')).json();
    expect(body).toMatchObject({ symbol: 'NAS100', brokerSymbol: 'NAS100' });
  });
});
