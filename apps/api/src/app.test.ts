import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { hashApiKey } from './middleware/auth';
import { bar, CountingLimiter, MemoryKeys, MemoryMarket } from '../test/fakes';

// A Wednesday at 12:00 UTC: every default symbol's market is open.
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const MINUTE = 60_000;

let market: MemoryMarket;
let keys: MemoryKeys;
let limiter: CountingLimiter;

function app(auth: 'required' | 'optional' = 'required') {
  return createApp({ market, apiKeys: keys, rateLimiter: limiter }, { auth, staleAfterMs: 5_000, now: () => NOW });
}

beforeEach(async () => {
  market = new MemoryMarket();
  keys = new MemoryKeys();
  limiter = new CountingLimiter();
  keys.records.set(await hashApiKey('good-key'), { name: 'good', createdAt: NOW, revoked: false });
  keys.records.set(await hashApiKey('old-key'), { name: 'old', createdAt: NOW, revoked: true });
  const start = NOW - 10 * MINUTE;
  market.finals.set('EURUSD', Array.from({ length: 10 }, (_, i) => bar('EURUSD', start + i * MINUTE, 1.08 + i / 1e4)));
  market.forming.set('EURUSD', bar('EURUSD', NOW, 1.0811, false));
  market.seen.set('EURUSD', NOW - 1_000);
});

const authed = { headers: { authorization: 'Bearer good-key' } };

describe('GET /v1/bars/{symbol}', () => {
  it('returns the last N bars oldest first with the forming bar last, and their freshness', async () => {
    const res = await app().request('/v1/bars/EURUSD?limit=3', authed);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=1');
    const body = (await res.json()) as { bars: { ts: number; final: boolean }[] };
    expect(body).toMatchObject({ symbol: 'EURUSD', interval: '1m', ageMs: 1_000, stale: false, marketOpen: true });
    expect(body.bars.map((b) => b.ts)).toEqual([NOW - 2 * MINUTE, NOW - MINUTE, NOW]);
    expect(body.bars.at(-1)?.final).toBe(false);
  });

  it('defaults to 100 bars', async () => {
    const body = (await (await app().request('/v1/bars/EURUSD', authed)).json()) as { bars: unknown[] };
    expect(body.bars).toHaveLength(11);
  });

  it('resolves broker aliases to the canonical symbol', async () => {
    market.finals.set('NAS100', [bar('NAS100', NOW - MINUTE, 20_000)]);
    const body = (await (await app().request('/v1/bars/us100.cash?limit=1', authed)).json()) as { symbol: string };
    expect(body.symbol).toBe('NAS100');
  });

  it('marks data older than STALE_AFTER_MS as stale while the market is open', async () => {
    market.seen.set('EURUSD', NOW - 6_000);
    const body = (await (await app().request('/v1/bars/EURUSD?limit=1', authed)).json()) as { stale: boolean };
    expect(body.stale).toBe(true);
  });

  it('answers an unknown symbol with a 404 problem', async () => {
    const res = await app().request('/v1/bars/NOPE?limit=5', authed);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'urn:marketpipe:problem:unknown_symbol',
      title: 'Unknown symbol',
      status: 404,
      detail: expect.stringContaining('NOPE'),
      instance: '/v1/bars/NOPE',
      code: 'unknown_symbol',
      symbol: 'NOPE',
    });
  });

  it.each(['0', '5001', 'abc', '2.5'])('answers limit=%s with a 400 problem', async (limit) => {
    const res = await app().request(`/v1/bars/EURUSD?limit=${limit}`, authed);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { type: string; issues: { path: string }[] };
    expect(body.type).toBe('urn:marketpipe:problem:invalid_request');
    expect(body.issues[0]?.path).toBe('limit');
  });

  it('refuses intervals the pipeline does not keep', async () => {
    expect((await app().request('/v1/bars/EURUSD?interval=2h', authed)).status).toBe(400);
    expect((await app().request('/v1/bars/EURUSD?interval=5m', authed)).status).toBe(200);
  });
});

describe('auth', () => {
  it('requires a key by default', async () => {
    const res = await app().request('/v1/bars/EURUSD');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses unknown and revoked keys in both modes', async () => {
    for (const mode of ['required', 'optional'] as const) {
      for (const key of ['wrong-key', 'old-key']) {
        const res = await app(mode).request('/v1/symbols', { headers: { authorization: `Bearer ${key}` } });
        expect(res.status, `${mode} ${key}`).toBe(401);
      }
    }
  });

  it('lets anonymous requests through when optional', async () => {
    expect((await app('optional').request('/v1/bars/EURUSD?limit=5')).status).toBe(200);
  });

  it('leaves health public', async () => {
    market.beats = [{ id: 'c1', at: NOW - 500, cycle: 9, version: '0.1.0', symbols: ['EURUSD'] }];
    expect((await app().request('/v1/health')).status).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a key’s budget is spent', async () => {
    limiter = new CountingLimiter(2);
    const a = app();
    expect((await a.request('/v1/symbols', authed)).headers.get('ratelimit-remaining')).toBe('1');
    expect((await a.request('/v1/symbols', authed)).status).toBe(200);
    const refused = await a.request('/v1/symbols', authed);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect([...limiter.seen.keys()]).toEqual([`key:${await hashApiKey('good-key')}`]);
  });
});

describe('GET /v1/health', () => {
  it('is 200 while the newest heartbeat is fresh', async () => {
    market.beats = [
      { id: 'old', at: NOW - 60_000, cycle: 1, version: '0.1.0', symbols: [] },
      { id: 'new', at: NOW - 800, cycle: 99, version: '0.1.0', symbols: ['EURUSD'] },
    ];
    const res = await app().request('/v1/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', ageMs: 800, collectors: [{ id: 'new' }, { id: 'old' }] });
  });

  it('is 503 when the heartbeat is old or missing', async () => {
    market.beats = [{ id: 'c', at: NOW - 10_000, cycle: 1, version: '0.1.0', symbols: [] }];
    expect((await app().request('/v1/health')).status).toBe(503);
    market.beats = [];
    const res = await app().request('/v1/health');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'down', ageMs: null });
  });
});

describe('GET /v1/symbols', () => {
  it('lists the collected symbols with broker names and market state', async () => {
    const res = await app().request('/v1/symbols', authed);
    const body = (await res.json()) as { symbols: { symbol: string; marketOpen: boolean; brokers: Record<string, string> }[] };
    expect(body.symbols.map((s) => s.symbol)).toEqual(['EURUSD', 'XAUUSD', 'NAS100']);
    expect(body.symbols[2]?.brokers.ftmo).toBe('US100.cash');
    expect(body.symbols.every((s) => s.marketOpen)).toBe(true);
  });
});

it('answers unknown routes with a 404 problem', async () => {
  const res = await app().request('/v2/nothing');
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
});
