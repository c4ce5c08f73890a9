import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@marketpipe/testkit';
import { BIN, runBin } from '../cli/run-bin';
import { startHistoryFake, type HistoryFake } from './history-fake';

/**
 * The real bin against a fake Twelve Data serving its real /time_series format: a bootstrap
 * SIGKILLed mid-way and restarted ends with exactly the bars and coverage of an uninterrupted
 * one, and the restart asks for nothing the killed run had already stored.
 */
let fake: HistoryFake;
const UNTIL = '2026-11-20T12:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'bootstrap-resume-'));

function env(db: string, prefix: string): Record<string, string> {
  return {
    PROVIDERS: 'twelvedata',
    SYMBOLS: 'EURUSD,XAUUSD',
    TWELVEDATA_BASE_URL: fake.url,
    TWELVEDATA_API_KEY: 'td-test-key-0002',
    TWELVEDATA_PER_MIN: '100000',
    TWELVEDATA_PER_DAY: '1000000',
    RETENTION_DAYS: '20',
    FETCH_CONCURRENCY: '2',
    DATABASE_URL: `file:${join(dir, db)}`,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'info',
    COLLECTOR_PORT: '0',
  };
}

function dump(db: string) {
  const conn = new Database(join(dir, db), { readonly: true });
  try {
    return {
      bars: conn.prepare('SELECT symbol, interval, ts, open, high, low, close, volume, source, filled FROM bars ORDER BY symbol, interval, ts').all(),
      coverage: conn.prepare('SELECT symbol, interval, covered_from, covered_to, source, bars, requests FROM backfill_checkpoints ORDER BY symbol, interval').all() as Array<{ symbol: string; covered_from: number; covered_to: number }>,
    };
  } finally {
    conn.close();
  }
}

/** The `start_date` of a /time_series request, as ms. */
const startOf = (path: string) => Date.parse(`${new URLSearchParams(path.split('?')[1]).get('start_date')!.replace(' ', 'T')}Z`);
const symbolOf = (path: string) => new URLSearchParams(path.split('?')[1]).get('symbol');

beforeAll(async () => {
  fake = await startHistoryFake({ delayMs: 60 });
});
afterAll(() => fake.stop());

describe('marketpipe bootstrap, killed and restarted', () => {
  it('resumes from its checkpoints: the same bars and coverage as an uninterrupted run, nothing fetched twice', async () => {
    const whole = await runBin(['bootstrap', '--until', UNTIL], { env: env('whole.db', 'bs-whole:') });
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/EURUSD: twelvedata 1m .* \(6 requests\)/);
    expect(whole.stdout).toMatch(/estimated time under the quotas/);
    const wholeRequests = fake.requests.length;
    expect(wholeRequests).toBe(12);
    const expected = dump('whole.db');
    expect(expected.bars.length).toBeGreaterThan(20_000);

    fake.requests.length = 0;
    const child = spawn(process.execPath, [BIN, 'bootstrap', '--until', UNTIL], { env: { PATH: process.env.PATH ?? '', ...env('killed.db', 'bs-killed:') }, stdio: 'ignore' });
    await eventually(() => expect(fake.requests.length).toBeGreaterThanOrEqual(5), { timeoutMs: 30_000 });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    const firstRun = [...fake.requests];
    const afterKill = dump('killed.db');
    expect(afterKill.coverage.length, 'the kill came after some chunks were stored').toBeGreaterThan(0);
    expect(afterKill.bars.length, 'and before the end').toBeLessThan(expected.bars.length);

    fake.requests.length = 0;
    const resumed = await runBin(['bootstrap', '--until', UNTIL], { env: env('killed.db', 'bs-killed:') });
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = dump('killed.db');
    expect(result.bars).toEqual(expected.bars);
    expect(result.coverage).toEqual(expected.coverage);
    // Nothing stored before the kill is asked for again; only the requests in flight at the kill are repeated.
    for (const path of fake.requests) {
      const held = afterKill.coverage.find((c) => c.symbol === (symbolOf(path) === 'EUR/USD' ? 'EURUSD' : 'XAUUSD'));
      if (held) expect(startOf(path) < held.covered_from || startOf(path) > held.covered_to, path).toBe(true);
    }
    // Each of the 2 symbols has at most 2 answers not yet committed at the kill (one being
    // written while the next is fetched), so at most 4 requests are repeated.
    expect(firstRun.length + fake.requests.length).toBeLessThanOrEqual(wholeRequests + 4);
    expect(fake.requests.length).toBeLessThan(wholeRequests);
  });

  it('a finished bootstrap plans nothing', async () => {
    fake.requests.length = 0;
    const again = await runBin(['bootstrap', '--until', UNTIL], { env: env('whole.db', 'bs-whole:') });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/EURUSD: covered/);
    expect(fake.requests).toEqual([]);
  });
});
