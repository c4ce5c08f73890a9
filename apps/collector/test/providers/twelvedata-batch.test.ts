import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, type SymbolSpec } from '@marketpipe/core';
import { CollectorMetrics } from '../../src/metrics';
import { BatchBarSource } from '../../src/providers/batch-source';
import { parseSeriesEntry, parseTwelveDataBatch, TwelveDataBatchFetcher } from '../../src/providers/twelvedata-batch';
import { parseTwelveData } from '../../src/providers/twelvedata';
import { ProviderError } from '../../src/providers/types';
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

describe('TwelveDataBatchFetcher and BatchBarSource over HTTP', () => {
  const now = Date.now();
  const current = Math.floor(now / MINUTE) * MINUTE;
  let server: FakeServer;
  let mode: 'ok' | 'rate_limited' = 'ok';
  beforeAll(async () => {
    server = new FakeServer((url) => {
      if (url.searchParams.get('apikey') !== KEY) return { status: 401, body: '{"code":401,"message":"bad key","status":"error"}' };
      if (mode === 'rate_limited') return { status: 429, body: recordedText('twelvedata/error-429-minute-credits.json') };
      const template = asOneMinute(current - MINUTE).AAPL!;
      const body: Record<string, Series> = {};
      for (const symbol of (url.searchParams.get('symbol') ?? '').split(',')) {
        const values = template.values.map((v) => ({ ...v }));
        // one symbol answers an impossible bar (high below low): validation must refuse and count it
        if (symbol === 'T7') values[0]!.high = '1.00000';
        body[symbol] = { ...template, meta: { ...template.meta, symbol }, values };
      }
      return { status: 200, body: JSON.stringify(body) };
    });
    await server.start();
  });
  afterAll(() => server.stop());

  it('asks for 250 symbols in 3 requests, hands each caller its own bars, and counts the refused bar', async () => {
    const metrics = new CollectorMetrics();
    const fetcher = new TwelveDataBatchFetcher({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2_000, metrics, now: () => now });
    const source = new BatchBarSource(fetcher, { maxSymbols: 100 });
    const specs = Array.from({ length: 250 }, (_, i) => spec(`S${i}`, `T${i}`));
    const before = server.requests;
    const results = await Promise.all(specs.map((s) => source.fetch(s, { from: current - MINUTE, to: now })));
    expect(server.requests - before).toBe(3);
    expect(server.paths.at(-1)).toMatch(/symbol=T200%2CT201%2C.*&interval=1min&outputsize=2&timezone=UTC/);
    expect(results[3]).toMatchObject({ provider: 'twelvedata', bars: [{ symbol: 'S3', ts: current - MINUTE, close: 229.87 }], rejects: [] });
    expect(results[7]!.bars).toEqual([]);
    expect(results[7]!.rejects[0]).toMatchObject({ symbol: 'S7' });
    const counted = (await metrics.rejects.get()).values.reduce((n, v) => n + v.value, 0);
    expect(counted).toBe(1);
    await source.close();
  });

  it('rejects every caller of a batch the provider refused (HTTP 429) with a typed error', async () => {
    mode = 'rate_limited';
    const fetcher = new TwelveDataBatchFetcher({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2_000, now: () => now });
    const source = new BatchBarSource(fetcher, { maxSymbols: 100 });
    const calls = [spec('A1', 'A1'), spec('A2', 'A2')].map((s) => source.fetch(s, { from: current, to: now }));
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'rate_limited', provider: 'twelvedata' });
    mode = 'ok';
    await source.close();
  });

  it('fetchEach asks for the same batches and delivers each symbol its own answer, or why it failed', async () => {
    const fetcher = new TwelveDataBatchFetcher({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2_000, now: () => now });
    const source = new BatchBarSource(fetcher, { maxSymbols: 100 });
    const items = Array.from({ length: 250 }, (_, i) => ({ spec: spec(`S${i}`, `T${i}`), range: { from: current - MINUTE, to: now } }));
    const got = new Map<number, unknown>();
    const before = server.requests;
    await source.fetchEach(items, (i, result, error) => got.set(i, result ?? error));
    expect(server.requests - before).toBe(3);
    expect(got.size).toBe(250);
    expect(got.get(3)).toMatchObject({ provider: 'twelvedata', bars: [{ symbol: 'S3', ts: current - MINUTE, close: 229.87 }], rejects: [] });
    expect(got.get(7)).toMatchObject({ bars: [], rejects: [{ symbol: 'S7' }] });
    expect(got.get(249)).toMatchObject({ bars: [{ symbol: 'S249' }] });

    mode = 'rate_limited';
    const failed: unknown[] = [];
    await source.fetchEach(items.slice(0, 2), (_, result, error) => failed.push(result ?? error));
    mode = 'ok';
    expect(failed).toHaveLength(2);
    for (const error of failed) expect(error).toMatchObject({ code: 'rate_limited', provider: 'twelvedata' });
    await source.close();
  });
});
