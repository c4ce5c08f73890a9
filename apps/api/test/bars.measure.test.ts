import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { medianMs } from './median';
import { CountingLimiter, MemoryKeys, MemoryMarket, bar } from './fakes';

/**
 * Measures, inside workerd, what `GET /v1/bars/{s}?limit=100` costs the Worker's CPU beyond its
 * Redis round trip (in-memory ports), as a 200 and as a 304, next to the constant reference
 * route and to serialising the 100 bars alone: where the load benchmark's distance from PING
 * comes from. Prints a table; asserts only correctness, never timings (noisy on shared
 * machines). Numbers are recorded in apps/api/README.md.
 */
/** requests per timed batch (workerd's clock ticks in whole ms) */
const BATCH = 200;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('GET /v1/bars/{s}?limit=100, CPU per request', () => {
  it('measures the 200, the 304 and the constant route', async () => {
    const market = new MemoryMarket();
    const symbol = market.specs[0]!.symbol;
    market.finals.set(
      symbol,
      Array.from({ length: 100 }, (_, i) => ({ ...bar(symbol, NOW - (100 - i) * 60_000, 1.08 + i / 1e4), volume: 1_234 + i })),
    );
    market.seen.set(symbol, NOW - 300);
    const app = createApp({ market, apiKeys: new MemoryKeys(), rateLimiter: new CountingLimiter(1e9) }, { auth: 'optional', staleAfterMs: 5_000, now: () => NOW, benchRoutes: true });
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await app.request(path, { headers });
      return { status: res.status, tag: res.headers.get('etag'), body: await res.text() };
    };
    const path = `/v1/bars/${symbol}?limit=100`;

    const first = await get(path);
    expect(first.status).toBe(200);
    const bars = (JSON.parse(first.body) as { bars: unknown[] }).bars;
    expect(bars).toHaveLength(100);
    expect((await get(path, { 'if-none-match': first.tag! })).status).toBe(304);
    expect((await get('/v1/bench/constant')).status).toBe(200);

    const ok = await medianMs(() => get(path), { batch: BATCH });
    const notModified = await medianMs(() => get(path, { 'if-none-match': first.tag! }), { batch: BATCH });
    const constant = await medianMs(() => get('/v1/bench/constant'), { batch: BATCH });
    const stringify = await medianMs(async () => JSON.stringify({ bars }), { batch: BATCH });
    console.log(
      [
        `GET ${path}, ${(first.body.length / 1024).toFixed(1)} KiB of JSON, in-memory ports, median ms per request in workerd:`,
        `  200                          ${ok.toFixed(3)}`,
        `  304 (If-None-Match)          ${notModified.toFixed(3)}`,
        `  constant route (reference)   ${constant.toFixed(3)}`,
        `  JSON.stringify of the bars   ${stringify.toFixed(3)}`,
      ].join('\n'),
    );
  });
});
