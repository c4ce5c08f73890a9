import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, decodeSignal, encodeSignal } from '@marketpipe/core';
import { createApp } from '../src/app';
import { medianMs } from './median';
import { CountingLimiter, MemoryKeys, MemoryMarket, signal } from './fakes';

/**
 * Measures, inside workerd, what `GET /v1/signals` of 1,000 symbols costs the Worker's CPU
 * beyond its Redis round trips (in-memory ports: no REST, no queueing behind other load), for
 * the paths the board gives it. Prints a table; asserts only correctness, never timings (noisy
 * on shared machines). Numbers are recorded in apps/api/README.md.
 */
const SYMBOLS = 1_000;
/** requests per timed batch (workerd's clock ticks in whole ms) */
const BATCH = 20;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe(`GET /v1/signals of ${SYMBOLS.toLocaleString('en')} symbols, CPU per request`, () => {
  it('measures the board’s 200 and 304 against rebuilding every request', async () => {
    const market = new MemoryMarket();
    market.specs = Array.from({ length: SYMBOLS }, (_, i) => {
      const base = DEFAULT_SYMBOL_SPECS[i % DEFAULT_SYMBOL_SPECS.length]!;
      return { ...base, symbol: `${base.symbol.slice(0, 3)}${i}`, brokers: {} };
    });
    for (const [i, spec] of market.specs.entries()) {
      market.sigs.set(spec.symbol, signal(spec.symbol, (i % 97) / 97, NOW));
      market.seen.set(spec.symbol, NOW - 300);
    }
    market.version = 1;
    const app = createApp({ market, apiKeys: new MemoryKeys(), rateLimiter: new CountingLimiter(1e9) }, { auth: 'optional', staleAfterMs: 5_000, now: () => NOW });
    const get = async (headers: Record<string, string> = {}) => {
      const res = await app.request('/v1/signals?allowStale=true', { headers });
      return { status: res.status, tag: res.headers.get('etag')!, body: await res.text() };
    };

    const first = await get();
    expect(JSON.parse(first.body).items).toHaveLength(SYMBOLS);
    const ok = await medianMs(() => get(), { batch: BATCH });
    const notModified = await medianMs(async () => expect((await get({ 'if-none-match': first.tag })).status).toBe(304), { batch: BATCH });
    market.version = null;
    const rebuilt = await medianMs(() => get(), { batch: BATCH });
    const encoded = [...market.sigs.values()].map(encodeSignal);
    const decode = await medianMs(async () => encoded.map(decodeSignal), { batch: BATCH });

    console.log(
      [
        `GET /v1/signals?allowStale=true, ${SYMBOLS} symbols, ${(first.body.length / 1024).toFixed(1)} KiB of JSON, in-memory ports, median ms per request in workerd:`,
        `  200 from the board                         ${ok.toFixed(2)}`,
        `  304 from the board                         ${notModified.toFixed(2)}`,
        `  200 rebuilt every request (no version)     ${rebuilt.toFixed(2)}   (sort, serialise, as before the board)`,
        `  decoding the ${SYMBOLS} msgpack signals        ${decode.toFixed(2)}   (with the board: once per version)`,
      ].join('\n'),
    );
  });
});
