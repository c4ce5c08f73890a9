import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient } from 'redis';
import { DEFAULT_SYMBOL_SPECS, redisKeys, type SymbolSpec } from '@marketpipe/core';
import { CollectorMetrics } from '../../src/metrics';
import type { SourceResult } from '../../src/ports';
import { loadConfig } from '../../src/config';
import { ProviderChain } from '../../src/providers/chain';
import { createFetchers } from '../../src/providers/factory';
import { QuotaStore } from '../../src/providers/quota';
import { SimFetcher } from '../../src/providers/sim/sim-fetcher';
import { parseSeriesEntry, parseTwelveDataBatch } from '../../src/providers/twelvedata-batch';
import { parseTwelveData, TwelveDataFetcher } from '../../src/providers/twelvedata';
import { ProviderError } from '../../src/providers/types';
import { captureLogger } from './helpers';
import { recorded, recordedText } from '../fakes/recorded';
import { FakeServer } from '../fakes/server';

const MINUTE = 60_000;
const KEY = 'batch-test-key';

interface Series {
  meta: Record<string, string>;
  values: Record<string, string>[];
  status: string;
}

/** The recorded batch reply, moved to 1min and to `ts`: its shape, prices and meta are kept. */
function asOneMinute(ts: number): Record<string, Series> {
  const batch = recorded('twelvedata/batch-time-series-AAPL-MSFT-1day.json') as Record<string, Series>;
  const datetime = new Date(ts).toISOString().slice(0, 19).replace('T', ' ');
  for (const entry of Object.values(batch)) {
    entry.meta.interval = '1min';
    for (const v of entry.values) v.datetime = datetime;
  }
  return batch;
}

const spec = (symbol: string, twelvedata: string): SymbolSpec => ({ ...DEFAULT_SYMBOL_SPECS[0]!, symbol, providers: { twelvedata } });

describe('parseTwelveDataBatch', () => {
  const asked = new Map([
    ['AAPL', 'AAPL'],
    ['MSFT', 'MSFT'],
  ]);

  it('reads each symbol of the recorded batch reply, and refuses its 1day bars as the wrong interval', () => {
    const out = parseTwelveDataBatch(recorded('twelvedata/batch-time-series-AAPL-MSFT-1day.json'), asked, Date.now());
    expect([...out.keys()]).toEqual(['AAPL', 'MSFT']);
    for (const outcome of out.values()) expect(outcome).toMatchObject({ code: 'wrong_interval' });
  });

  it('parses 1min entries of the recorded shape into bars with the recorded prices', () => {
    const ts = Date.UTC(2024, 10, 22, 15, 59);
    const out = parseTwelveDataBatch(asOneMinute(ts), asked, ts + 5 * MINUTE);
    expect(out.get('MSFT')).toMatchObject({ bars: [{ symbol: 'MSFT', ts, open: 412.18, high: 415.63, low: 411.36, close: 414.17, volume: 18_934_500, final: true }] });
    expect(out.get('AAPL')).toMatchObject({ bars: [{ symbol: 'AAPL', ts, close: 229.87 }] });
  });

  it('gives a symbol the recorded per-symbol error its own typed error, and a symbol missing from the reply a parse error', () => {
    const out = parseTwelveDataBatch(
      recorded('twelvedata/batch-time-series-with-400-symbol-not-found.json'),
      new Map([
        ['INVALID', 'BAD'],
        ['GONE', 'GONE'],
      ]),
      Date.now(),
    );
    expect(out.get('BAD')).toBeInstanceOf(ProviderError);
    expect(out.get('BAD')).toMatchObject({ code: 'provider_error', message: expect.stringContaining('not found: INVALID') });
    expect(out.get('GONE')).toMatchObject({ code: 'parse_error' });
  });

  it('fails the whole batch on a top-level error body (credits spent)', () => {
    expect(() => parseTwelveDataBatch(recorded('twelvedata/error-429-minute-credits.json'), asked, Date.now())).toThrow(
      expect.objectContaining({ code: 'rate_limited' }),
    );
  });
});

describe('parseSeriesEntry (the hand-read hot path) agrees with parseTwelveData (the schema one)', () => {
  const now = Date.UTC(2021, 8, 16, 20);
  const series = () => structuredClone(recorded('twelvedata/time-series-AAPL-1min.json')) as Series;

  it('on the recorded 1min reply', () => {
    expect(parseSeriesEntry(series(), 'AAPL', now)).toEqual(parseTwelveData(series(), { symbol: 'AAPL', source: 'twelvedata', now }, 'UTC'));
  });

  it.each([
    ['a row without close', (b: Series) => delete b.values[0]!.close],
    ['a price that is a number', (b: Series) => ((b.values[0] as Record<string, unknown>).open = 148.7)],
    ['no meta', (b: Series) => delete (b as Partial<Series>).meta],
    ['another status', (b: Series) => (b.status = 'pending')],
  ])('on %s: a parse error, like the schema', (_, spoil) => {
    const body = series();
    spoil(body);
    expect(() => parseTwelveData(body, { symbol: 'AAPL', source: 'twelvedata', now }, 'UTC')).toThrow(expect.objectContaining({ code: 'parse_error' }));
    expect(parseSeriesEntry(body, 'AAPL', now)).toMatchObject({ code: 'parse_error' });
  });
});

describe('ProviderChain.fetchEach with Twelve Data batches over HTTP', () => {
  const now = Date.now();
  const current = Math.floor(now / MINUTE) * MINUTE;
  const clock = { now: () => now };
  let server: FakeServer;
  let mode: 'ok' | 'rate_limited' = 'ok';
  let redis: ReturnType<typeof createClient>;
  let prefix = 0;
  const chains: ProviderChain[] = [];
  beforeAll(async () => {
    server = new FakeServer((url) => {
      if (url.searchParams.get('apikey') !== KEY) return { status: 401, body: '{"code":401,"message":"bad key","status":"error"}' };
      if (mode === 'rate_limited') return { status: 429, body: recordedText('twelvedata/error-429-minute-credits.json') };
      const template = asOneMinute(current - MINUTE).AAPL!;
      const notFound = recorded('twelvedata/batch-time-series-with-400-symbol-not-found.json') as Record<string, unknown>;
      const body: Record<string, unknown> = {};
      for (const symbol of (url.searchParams.get('symbol') ?? '').split(',')) {
        const values = template.values.map((v) => ({ ...v }));
        // one symbol answers an impossible bar (high below low): validation must refuse and count it
        if (symbol === 'T7') values[0]!.high = '1.00000';
        // one symbol gets the recorded per-symbol error entry of a batch
        body[symbol] = symbol === 'T9' ? notFound.INVALID : { ...template, meta: { ...template.meta, symbol }, values };
      }
      return { status: 200, body: JSON.stringify(body) };
    });
    await server.start();
    redis = createClient({ url: inject('redisUrl') });
    await redis.connect();
  });
  afterEach(async () => {
    mode = 'ok';
    await Promise.all(chains.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  /** Twelve Data in batches of 100 (its per-minute quota `perMin` credits in a fresh Redis namespace), then sim. */
  function chainOf(perMin: number) {
    const metrics = new CollectorMetrics();
    const keys = redisKeys(`test:batch:${process.pid}:${prefix++}:`);
    const quota = new QuotaStore({ redis, keys });
    const twelvedata = new TwelveDataFetcher({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2_000, now: clock.now, batchSymbols: 100 });
    const { logger } = captureLogger();
    const chain = new ProviderChain({
      fetchers: [twelvedata, new SimFetcher({ seed: 1, clock })],
      limits: { twelvedata: [{ window: 'minute', limit: perMin }] },
      quota,
      metrics,
      logger,
      clock,
    });
    chains.push(chain);
    return { chain, metrics, spent: async () => Number(await redis.get(keys.quota('twelvedata', new Date(now).toISOString().slice(0, 16)))) };
  }

  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ spec: spec(`S${i}`, `T${i}`), range: { from: current - MINUTE, to: now } }));
  async function poll(chain: ProviderChain, n: number, concurrency = 100) {
    const got = new Map<number, SourceResult | unknown>();
    await chain.fetchEach(items(n), (i, result, error) => got.set(i, result ?? error), concurrency);
    return got;
  }

  it('asks for 250 symbols in 3 requests, spends 250 credits, and hands each symbol its own validated bars', async () => {
    const { chain, metrics, spent } = chainOf(10_000);
    const before = server.requests;
    const got = await poll(chain, 250);
    expect(server.requests - before).toBe(3);
    expect(server.paths.at(-1)).toMatch(/symbol=T200%2CT201%2C.*&interval=1min&outputsize=2&timezone=UTC/);
    expect(await spent()).toBe(250);
    expect(got.size).toBe(250);
    expect(got.get(3)).toMatchObject({ provider: 'twelvedata', bars: [{ symbol: 'S3', ts: current - MINUTE, close: 229.87 }], rejects: [] });
    expect(got.get(249)).toMatchObject({ provider: 'twelvedata', bars: [{ symbol: 'S249' }] });
    const fetches = (await metrics.fetches.get()).values.find((v) => v.labels.provider === 'twelvedata' && v.labels.outcome === 'ok');
    expect(fetches?.value, 'one ok per request, not per symbol').toBe(3);
  });

  it('sends a symbol its batch did not serve on down the chain alone, without tripping the breaker', async () => {
    const { chain, metrics } = chainOf(10_000);
    const got = await poll(chain, 20);
    // S7's only bar was refused (counted), S9 got the recorded "symbol not found" entry: sim serves both
    expect(got.get(7)).toMatchObject({ provider: 'sim', failures: [{ provider: 'twelvedata', skipped: false }] });
    expect(got.get(9)).toMatchObject({ provider: 'sim', failures: [{ provider: 'twelvedata', code: 'provider_error', detail: expect.stringContaining('not found') }] });
    expect(got.get(8)).toMatchObject({ provider: 'twelvedata' });
    const refused = (await metrics.rejects.get()).values.filter((v) => v.labels.provider === 'twelvedata').reduce((n, v) => n + v.value, 0);
    expect(refused, "S7's bar and S9's error").toBe(2);
    expect(chain.breakerStates().twelvedata).toBe('closed');
  });

  it('fails every symbol of a refused batch (HTTP 429) over to the next provider, and blocks the provider for the minute', async () => {
    const { chain } = chainOf(10_000);
    mode = 'rate_limited';
    const got = await poll(chain, 150);
    for (const i of [0, 120, 149]) expect(got.get(i)).toMatchObject({ provider: 'sim', failures: [{ provider: 'twelvedata', code: 'rate_limited', skipped: false }] });
    mode = 'ok';
    const before = server.requests;
    const next = await poll(chain, 2);
    expect(server.requests, 'blocked after a 429: no request this minute').toBe(before);
    expect(next.get(0)).toMatchObject({ provider: 'sim', failures: [{ provider: 'twelvedata', skipped: true }] });
  });

  it('asks no batch whose credits the quota lacks, and fails those symbols over', async () => {
    const { chain, spent } = chainOf(150);
    const before = server.requests;
    const got = await poll(chain, 250);
    expect(server.requests - before, 'batches of 100, 100 and 50 symbols: the second does not fit the 150 credits, the third does').toBe(2);
    expect(await spent()).toBe(150);
    expect(got.get(0)).toMatchObject({ provider: 'twelvedata' });
    expect(got.get(199)).toMatchObject({ provider: 'sim', failures: [{ provider: 'twelvedata', code: 'rate_limited', skipped: true }] });
    expect(got.get(249)).toMatchObject({ provider: 'twelvedata' });
  });

  it('keeps at most `concurrency` requests in flight: one at a time go over one pooled connection, all at once over three', async () => {
    for (const [concurrency, connections] of [
      [1, 1],
      [100, 3],
    ] as const) {
      const { chain } = chainOf(10_000);
      const before = { requests: server.requests, connections: server.connections };
      const got = await poll(chain, 250, concurrency);
      expect(server.requests - before.requests).toBe(3);
      expect(server.connections - before.connections).toBe(connections);
      expect(got.size).toBe(250);
    }
  });
});

describe('TWELVEDATA_BATCH_SYMBOLS', () => {
  const env = { PROVIDERS: 'twelvedata', TWELVEDATA_API_KEY: KEY };
  it('gives the Twelve Data fetcher batches of that size, and none by default', async () => {
    const [batched] = createFetchers(loadConfig({ ...env, TWELVEDATA_BATCH_SYMBOLS: '100' }));
    const [alone] = createFetchers(loadConfig(env));
    expect(batched?.batch?.size).toBe(100);
    expect(alone?.batch).toBeUndefined();
    await Promise.all([batched?.close?.(), alone?.close?.()]);
  });

  it('refuses more than 120 symbols a request', () => {
    expect(() => loadConfig({ ...env, TWELVEDATA_BATCH_SYMBOLS: '121' })).toThrow(/TWELVEDATA_BATCH_SYMBOLS/);
  });
});
