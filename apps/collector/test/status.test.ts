import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient } from 'redis';
import { redisKeys, type Bar } from '@marketpipe/core';
import { loadConfig } from '../src/config';
import { LibsqlHistoryStore } from '../src/history/libsql-history-store';
import { collectStatus, formatStatus, statusCommand } from '../src/cli/status';
import { windowId } from '../src/providers/quota';

const MINUTE = 60_000;
/** Saturday: FX and CME closed, so nothing is stale by age alone */
const SATURDAY = Date.UTC(2026, 10, 21, 12);
const THURSDAY_10 = Date.UTC(2026, 10, 19, 10);
const PREFIX = 'status-test:';
const dir = mkdtempSync(join(tmpdir(), 'status-'));
const env = (db: string) => ({ SYMBOLS: 'EURUSD,XAUUSD', PROVIDERS: 'yahoo,twelvedata', TWELVEDATA_API_KEY: 'k', DATABASE_URL: `file:${join(dir, db)}`, REDIS_URL: inject('redisUrl'), REDIS_PREFIX: PREFIX, COLLECTOR_PORT: '1' });

const bar = (symbol: string, ts: number, interval: Bar['interval'] = '1m', source = 'yahoo'): Bar => ({ symbol, interval, ts, open: 1, high: 1.1, low: 0.9, close: 1, volume: 1, source, final: true, filled: false });

beforeAll(async () => {
  const store = await LibsqlHistoryStore.open({ url: env('h.db').DATABASE_URL });
  const minutes = (symbol: string, skip: (i: number) => boolean) => Array.from({ length: 120 }, (_, i) => i).filter((i) => !skip(i)).map((i) => bar(symbol, THURSDAY_10 + i * MINUTE));
  // EURUSD misses 11:00–11:09 (in session), XAUUSD is whole; both hold older hourly bars from a bootstrap.
  await store.write([...minutes('EURUSD', (i) => i >= 60 && i < 70), ...minutes('XAUUSD', () => false)]);
  const hours = (symbol: string) => Array.from({ length: 24 }, (_, i) => bar(symbol, THURSDAY_10 - 3 * 86_400_000 + i * 3_600_000, '1h', 'yahoo'));
  await store.write([...hours('EURUSD'), ...hours('XAUUSD')], { symbol: 'EURUSD', interval: '1h', from: THURSDAY_10 - 3 * 86_400_000, to: THURSDAY_10 - 2 * 86_400_000, source: 'yahoo', bars: 24, requests: 1, updatedAt: SATURDAY });
  await store.close();
  const redis = createClient({ url: inject('redisUrl') });
  await redis.connect();
  const keys = redisKeys(PREFIX);
  await redis.hSet(keys.seen, 'EURUSD', String(SATURDAY - 3_000));
  await redis.set(keys.quota('twelvedata', windowId('day', SATURDAY)), '7');
  await redis.quit();
});
afterAll(async () => {
  const redis = createClient({ url: inject('redisUrl') });
  await redis.connect();
  const stale = await redis.keys(`${PREFIX}*`);
  if (stale.length > 0) await redis.del(stale);
  await redis.quit();
});

describe('marketpipe status', () => {
  it('reports coverage, in-session holes, resolutions, provider, age and quotas per symbol', async () => {
    const report = await collectStatus(loadConfig(env('h.db')), SATURDAY);
    const eur = report.symbols.find((s) => s.symbol === 'EURUSD')!;
    const xau = report.symbols.find((s) => s.symbol === 'XAUUSD')!;
    expect(eur.holes).toEqual({ count: 1, missing: 10, largest: { from: THURSDAY_10 + 60 * MINUTE, to: THURSDAY_10 + 69 * MINUTE, missing: 10 } });
    expect(xau.holes.count).toBe(0);
    expect(eur.bars).toBe(110 + 24);
    expect(eur.first).toBe(THURSDAY_10 - 3 * 86_400_000);
    expect(eur.last).toBe(THURSDAY_10 + 119 * MINUTE);
    expect(eur.resolutions.map((r) => r.interval)).toEqual(['1m', '1h']);
    expect(eur.resolutions[1]!.bootstrapped).toEqual([{ from: THURSDAY_10 - 3 * 86_400_000, to: THURSDAY_10 - 2 * 86_400_000, source: 'yahoo' }]);
    expect(eur).toMatchObject({ provider: 'yahoo', seenAgeMs: 3_000, marketOpen: false, stale: false });
    expect(xau.seenAgeMs).toBeNull();
    expect(report.redis).toBe('up');
    expect(report.collector).toBe('not running');
    expect(report.providers.find((p) => p.provider === 'twelvedata')!.quotas).toEqual([
      { window: 'minute', spent: 0, limit: 8 },
      { window: 'day', spent: 7, limit: 800 },
    ]);
    expect(report.ok).toBe(false);
    const text = formatStatus(report);
    expect(text).toMatch(/^EURUSD .* 10 min at 2026-11-19 11:00 .* HOLES$/m);
    expect(text).toMatch(/twelvedata: breaker unknown; 0\/8 per minute, 7\/800 per day/);
  });

  it('exits 1 on holes, 0 when every symbol is whole and fresh; --json is one document', async () => {
    let out = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } };
    expect(await statusCommand(['--json'], env('h.db'), io)).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, symbols: [{ symbol: 'EURUSD' }, { symbol: 'XAUUSD' }] });
    const fresh = await LibsqlHistoryStore.open({ url: env('fresh.db').DATABASE_URL });
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    await fresh.write(['EURUSD', 'XAUUSD'].flatMap((s) => [bar(s, now - 2 * MINUTE), bar(s, now - MINUTE)]));
    await fresh.close();
    out = '';
    expect(await statusCommand([], { ...env('fresh.db'), REDIS_PREFIX: 'status-fresh:' }, io), out).toBe(0);
  });
});
