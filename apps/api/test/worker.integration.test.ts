import { env, exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import type { Bar, Features } from '@marketpipe/core';
import { buildApp } from '../src/worker';
import type { WorkerEnv } from '../src/env';
import { ConfigError } from '../src/errors';
import { problemResponse } from '../src/middleware/problem';
import './context';

/**
 * The Worker as deployed (root wrangler.toml, bindings pointing at the local bridge), reading
 * what the real collector wrote: collector (sim) → Redis → bridge → Worker.
 */
const worker = (exports as unknown as { default: Fetcher }).default;
const key = { authorization: `Bearer ${inject('apiKey')}` };
const get = (path: string, headers: Record<string, string> = key) => worker.fetch(`http://api.test${path}`, { headers });

interface BarsBody {
  symbol: string;
  interval: string;
  bars: Bar[];
  ageMs: number | null;
  stale: boolean;
  marketOpen: boolean;
}

describe('the Worker over the bridge', () => {
  it('serves the bars the collector wrote, byte-exact through msgpack and the REST hop', async () => {
    const written = inject('collectorBars');
    expect(written.length, 'the collector backfilled and finalised bars').toBeGreaterThan(100);
    const res = await get('/v1/bars/EURUSD?limit=5000');
    expect(res.status).toBe(200);
    const body = (await res.json()) as BarsBody;
    const served = new Map(body.bars.filter((b) => b.final).map((b) => [b.ts, b]));
    // The collector keeps ticking during the run: every bar it had written by setup time is
    // still in the window and must come back exactly as written.
    for (const bar of written) expect(served.get(bar.ts)).toEqual(bar);
    expect(body.bars.at(-1)).toMatchObject({ symbol: 'EURUSD', final: false, source: 'sim' });
  });

  it('returns the docs/architecture.md §7 bars shape with limit bars, oldest first, forming last', async () => {
    const res = await get('/v1/bars/EURUSD?limit=5');
    expect(res.headers.get('cache-control')).toBe('private, max-age=1');
    const body = (await res.json()) as BarsBody;
    expect(Object.keys(body).sort()).toEqual(['ageMs', 'bars', 'interval', 'marketOpen', 'stale', 'symbol']);
    expect(body.bars).toHaveLength(5);
    const ts = body.bars.map((b) => b.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(body.bars.slice(0, 4).every((b) => b.final)).toBe(true);
    expect(body.bars[4]?.final).toBe(false);
    expect(typeof body.ageMs).toBe('number');
  });

  it('serves the features the collector computes each cycle', async () => {
    const res = await get('/v1/features/EURUSD');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { symbol: string; features: Features; ageMs: number; stale: boolean };
    expect(body.features).toMatchObject({ symbol: 'EURUSD', interval: '1m', defs: 'talib', periods: { rsi: 14, ema: [9, 21, 50, 200] } });
    expect(body.features.close).toBeGreaterThan(0);
    expect(typeof body.ageMs).toBe('number');
  });

  it('lists the symbols the collector published', async () => {
    const body = (await (await get('/v1/symbols')).json()) as { symbols: { symbol: string }[] };
    expect(body.symbols.map((s) => s.symbol)).toEqual(['EURUSD', 'XAUUSD', 'NAS100']);
  });

  it('reports the collector heartbeat on /v1/health without a key', async () => {
    const res = await get('/v1/health', {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; collectors: { symbols: string[] }[] };
    expect(body.status).toBe('ok');
    expect(body.collectors[0]?.symbols).toEqual(['EURUSD', 'XAUUSD', 'NAS100']);
  });

  it('answers 404 and 400 as problem+json', async () => {
    const missing = await get('/v1/bars/NOPE');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toMatchObject({ type: 'urn:marketpipe:problem:unknown_symbol', status: 404, instance: '/v1/bars/NOPE' });
    const bad = await get('/v1/bars/EURUSD?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });

  it('requires an API key from md:v1:apikeys and refuses a revoked one', async () => {
    expect((await get('/v1/bars/EURUSD?limit=1', {})).status).toBe(401);
    expect((await get('/v1/bars/EURUSD?limit=1', { authorization: `Bearer ${inject('revokedKey')}` })).status).toBe(401);
    expect((await get('/v1/bars/EURUSD?limit=1')).status).toBe(200);
  });

  it('serves its OpenAPI document and reference page without a key', async () => {
    const doc = await get('/openapi.json', {});
    expect(doc.status).toBe(200);
    expect(await doc.json()).toMatchObject({ openapi: '3.1.0', paths: { '/v1/bars/{symbol}': { get: expect.anything() } } });
    const page = await get('/docs', {});
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('answers HEAD without a body and a wrong method with 405', async () => {
    const head = await worker.fetch('http://api.test/v1/bars/EURUSD?limit=5', { method: 'HEAD', headers: key });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toMatch(/^W\//);
    expect(await head.text()).toBe('');
    const post = await worker.fetch('http://api.test/v1/bars/EURUSD', { method: 'POST', headers: key });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('rate-limits per key in Redis', async () => {
    const res = await get('/v1/symbols');
    expect(Number(res.headers.get('ratelimit-limit'))).toBe(600);
    expect(Number(res.headers.get('ratelimit-remaining'))).toBeLessThan(600);
  });
});

describe('with other bindings', () => {
  const base = env as unknown as WorkerEnv;

  it('lets anonymous requests through with API_AUTH=optional, still verifying a presented key', async () => {
    const app = buildApp({ ...base, API_AUTH: 'optional' });
    expect((await app.request('/v1/bars/EURUSD?limit=5')).status).toBe(200);
    expect((await app.request('/v1/bars/EURUSD?limit=5', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('serves msgpack features and signals byte-exact through the binary reader', async () => {
    const app = buildApp({ ...base, API_AUTH: 'optional', REDIS_PREFIX: inject('fixturePrefix') });
    const one = (await (await app.request('/v1/features/EURUSD')).json()) as { features: unknown };
    expect(one.features).toEqual(inject('fixtureFeatures'));
    const batch = (await (await app.request('/v1/features?symbols=EURUSD,XAUUSD')).json()) as { items: unknown[]; missing: string[] };
    expect(batch.items, 'the frozen collector wrote EURUSD and NAS100 only').toHaveLength(1);
    expect(batch.missing).toEqual(['XAUUSD']);
    const sig = await (await app.request('/v1/signals/EURUSD?broker=oanda&allowStale=true')).json();
    expect(sig).toMatchObject({ ...inject('fixtureSignal'), brokerSymbol: 'EUR_USD' });
    const all = (await (await app.request('/v1/signals?allowStale=true')).json()) as { items: unknown[] };
    expect(all.items).toHaveLength(2);
    expect(all.items).toContainEqual(expect.objectContaining(inject('fixtureSignal')));
  });

  it('answers 304 to a current ETag of data read through the binary reader', async () => {
    // The frozen collector's data does not change, so neither does its tag.
    const app = buildApp({ ...base, API_AUTH: 'optional', REDIS_PREFIX: inject('fixturePrefix') });
    for (const path of ['/v1/bars/EURUSD?limit=50', '/v1/features?symbols=EURUSD', '/v1/signals/EURUSD?allowStale=true']) {
      const first = await app.request(path);
      expect(first.status, path).toBe(200);
      const tag = first.headers.get('etag');
      const again = await app.request(path, { headers: { 'if-none-match': tag! } });
      expect(again.status, path).toBe(304);
      expect(await again.text(), path).toBe('');
    }
  });

  it('reports 503 on health when no collector writes under the prefix', async () => {
    const app = buildApp({ ...base, REDIS_PREFIX: inject('emptyPrefix') });
    const res = await app.request('/v1/health');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'down' });
  });

  it('answers 503 problem+json naming the cause when the Redis endpoint is unreachable', async () => {
    const app = buildApp({ ...base, API_AUTH: 'optional', UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' });
    const res = await app.request('/v1/bars/EURUSD');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({
      type: 'urn:marketpipe:problem:upstream_unavailable',
      detail: expect.stringMatching(/^rate limit check failed: redis unreachable: cannot reach the REST endpoint \(.+\)$/),
    });
  });

  it('answers 503 within its own timeout when the Redis endpoint never answers', async () => {
    const app = buildApp({ ...base, API_AUTH: 'optional', UPSTASH_REDIS_REST_URL: inject('silentUrl') });
    const t0 = Date.now();
    const res = await app.request('/v1/bars/EURUSD');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      detail: 'rate limit check failed: redis unreachable: no answer from the REST endpoint within 3000 ms',
    });
    // The rate limiter fails closed: it does not let the request through after its own 5 s.
    expect(Date.now() - t0).toBeLessThan(4_500);
  });

  it('names a bad binding in a 500 problem', async () => {
    let error: unknown;
    try {
      buildApp({ ...base, UPSTASH_REDIS_REST_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const res = problemResponse(error, 'http://api.test/v1/health');
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ type: 'urn:marketpipe:problem:config_invalid', detail: expect.stringContaining('UPSTASH_REDIS_REST_URL') });
  });
});
