import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBars } from '@marketpipe/core';
import { loadConfig } from '../../src/config';
import { createFetchers } from '../../src/providers/factory';
import { ProviderError, type BarFetcher } from '../../src/providers/types';
import { startFakeProviders, type FakeProviders } from '../fakes';
import { captureLogger, EURUSD, lastMinutes } from './helpers';

let fakes: FakeProviders;
let fetchers: BarFetcher[];

beforeAll(async () => {
  fakes = await startFakeProviders();
  fetchers = createFetchers(loadConfig({ ...fakes.env, PROVIDER_TIMEOUT_MS: '500' }));
});
afterAll(async () => {
  await Promise.all(fetchers.map((f) => f.close?.()));
  await fakes.stop();
});

const byName = (name: string) => fetchers.find((f) => f.name === name)!;

describe('createFetchers', () => {
  it('builds the enabled providers in PROVIDERS order and skips those without a key', () => {
    expect(fetchers.map((f) => f.name)).toEqual(['yahoo', 'twelvedata', 'polygon', 'alphavantage']);
    const { logger, lines } = captureLogger();
    const some = createFetchers(loadConfig({ PROVIDERS: 'sim,polygon,yahoo', POLYGON_API_KEY: '' }), { logger });
    expect(some.map((f) => f.name)).toEqual(['yahoo']);
    expect(lines.join('')).toContain('POLYGON_API_KEY is not set');
  });
});

describe.each(['yahoo', 'alphavantage', 'twelvedata', 'polygon'])('%s fetcher against its fake', (name) => {
  it('returns valid bars up to the forming bar of the current minute', async () => {
    const now = Date.now();
    const { bars, rejects } = await byName(name).fetchBars(EURUSD, lastMinutes(30, now));
    const checked = validateBars(bars, { now });
    expect(checked.rejects).toEqual([]);
    expect(rejects).toEqual([]);
    expect(bars.length).toBeGreaterThan(0);
    const last = bars.at(-1)!;
    expect(last.ts).toBe(Math.floor(now / 60_000) * 60_000);
    expect(last).toMatchObject({ final: false, source: name, symbol: 'EURUSD', interval: '1m', filled: false });
    expect(bars.slice(0, -1).every((b) => b.final)).toBe(true);
  });

  it('fails with provider_error on HTTP 500 and on a timeout, without the key in the message', async () => {
    for (const fault of ['http500', 'timeout'] as const) {
      fakes.setFault(name as 'yahoo', fault, 1);
      const error = await byName(name).fetchBars(EURUSD, lastMinutes(5)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe('provider_error');
      for (const key of Object.values(fakes.keys)) expect(String((error as Error).message)).not.toContain(key);
    }
  });

  it('fails with rate_limited on HTTP 429 and parse_error on malformed JSON', async () => {
    fakes.setFault(name as 'yahoo', 'http429', 1);
    await expect(byName(name).fetchBars(EURUSD, lastMinutes(5))).rejects.toMatchObject({ code: 'rate_limited' });
    fakes.setFault(name as 'yahoo', 'malformed_json', 1);
    await expect(byName(name).fetchBars(EURUSD, lastMinutes(5))).rejects.toMatchObject({ code: 'parse_error' });
  });
});

describe('Twelve Data endpoints', () => {
  it('asks /quote for the live minute alone and /time_series for anything older', async () => {
    const server = fakes.servers.twelvedata;
    const now = Date.now();
    const minute = now - (now % 60_000);
    const before = server.paths.length;
    const live = await byName('twelvedata').fetchBars(EURUSD, { from: minute, to: now });
    const older = await byName('twelvedata').fetchBars(EURUSD, { from: minute - 120_000, to: now });
    const paths = server.paths.slice(before).map((p) => p.split('?')[0]);
    expect(paths).toEqual(['/quote', '/time_series']);
    expect(live.bars).toEqual([expect.objectContaining({ ts: minute, final: false, close: 229.87, source: 'twelvedata' })]);
    expect(older.bars.map((b) => b.ts)).toEqual([minute - 120_000, minute - 60_000, minute]);
  });
});

describe('keys', () => {
  it('never appear in errors, even when the request itself is refused', async () => {
    const wrong = createFetchers(
      loadConfig({ ...fakes.env, PROVIDERS: 'twelvedata,polygon', TWELVEDATA_API_KEY: 'secret-td-xyz', POLYGON_API_KEY: 'secret-pg-xyz' }),
    );
    for (const f of wrong) {
      const error = (await f.fetchBars(EURUSD, lastMinutes(5)).catch((e: unknown) => e)) as ProviderError;
      expect(error.code).toBe('provider_error');
      expect(error.message).not.toMatch(/secret-/);
      expect(JSON.stringify(error.cause ?? '')).not.toMatch(/secret-/);
      await f.close?.();
    }
  });
});
