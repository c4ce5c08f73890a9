import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@marketpipe/testkit';
import { BIN, runBin } from '../cli/run-bin';
import { startHistoryFake, tradingMinute, type FakeBar, type HistoryFake } from './history-fake';

/**
 * A spike suspect at the last minute of a chunk is held by the guard until the next chunk's
 * first bar confirms it, so it is written with the next chunk. A bootstrap stopped between the
 * two chunks (the fake never answers the second request; the process is SIGKILLed once the
 * first chunk is committed) must not hold a checkpoint over that minute: restarted, it ends
 * with the bars and coverage of an uninterrupted run, the confirmed minute included.
 */
const MINUTE = 60_000;
const UNTIL = '2026-11-19T12:00:00Z'; // a Thursday
const dir = mkdtempSync(join(tmpdir(), 'bootstrap-edge-'));
/** the first chunk's last minute, learnt from a first run's requests; null: no spike */
let edge: number | null = null;
/** the killed run's requests from this index on are never answered */
let holdFrom = Number.POSITIVE_INFINITY;
let fake: HistoryFake;

// A level shift from the edge on: the edge bar is a suspect the next bar confirms.
const edit = (_ticker: string, t: number, b: FakeBar): FakeBar => (edge !== null && t >= edge ? { o: b.o * 1.2, h: b.h * 1.2, l: b.l * 1.2, c: b.c * 1.2, v: b.v } : b);

function env(db: string): Record<string, string> {
  return {
    PROVIDERS: 'twelvedata',
    SYMBOLS: 'EURUSD',
    TWELVEDATA_BASE_URL: fake.url,
    TWELVEDATA_API_KEY: 'td-test-key-0003',
    TWELVEDATA_PER_MIN: '100000',
    TWELVEDATA_PER_DAY: '1000000',
    RETENTION_DAYS: '5',
    DATABASE_URL: `file:${join(dir, db)}`,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `bs-edge-${db}:`,
    LOG_LEVEL: 'warn',
  };
}

function dump(db: string) {
  const conn = new Database(join(dir, db), { readonly: true });
  try {
    return {
      bars: conn.prepare('SELECT ts, open, high, low, close, volume, source, filled FROM bars ORDER BY ts').all() as Array<{ ts: number; filled: number }>,
      coverage: conn.prepare('SELECT covered_from, covered_to, bars FROM backfill_checkpoints').all() as Array<{ covered_from: number; covered_to: number }>,
    };
  } finally {
    conn.close();
  }
}

const endOf = (path: string) => Date.parse(`${new URLSearchParams(path.split('?')[1]).get('end_date')!.replace(' ', 'T')}Z`);

beforeAll(async () => {
  fake = await startHistoryFake({ edit, hold: (_path, index) => index >= holdFrom });
});
afterAll(() => fake.stop());

describe('bootstrap stopped at a chunk edge with a spike suspect pending', () => {
  it('asks for the pending minute again after a restart: nothing is lost', async () => {
    const learn = await runBin(['bootstrap', '--until', UNTIL], { env: env('learn.db') });
    expect(learn.code, learn.stderr).toBe(0);
    expect(fake.requests.length, 'the window takes more than one request').toBeGreaterThan(1);
    edge = endOf(fake.requests[0]!) - MINUTE; // end_date is exclusive
    expect(tradingMinute(edge) && tradingMinute(edge + MINUTE)).toBe(true);

    const whole = await runBin(['bootstrap', '--until', UNTIL], { env: env('whole.db') });
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/spike_suspect 1/);
    const expected = dump('whole.db');
    expect(expected.bars.find((b) => b.ts === edge)).toMatchObject({ filled: 0 });

    fake.requests.length = 0;
    holdFrom = 1;
    const child = spawn(process.execPath, [BIN, 'bootstrap', '--until', UNTIL], { env: { PATH: process.env.PATH ?? '', ...env('killed.db') }, stdio: 'ignore' });
    await eventually(() => expect(fake.requests.length).toBe(2), { timeoutMs: 30_000 });
    await eventually(() => expect(dump('killed.db').bars.length).toBeGreaterThan(0), { timeoutMs: 30_000 });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    const stopped = dump('killed.db');
    expect(stopped.bars.some((b) => b.ts === edge), 'the suspect was not written with the first chunk').toBe(false);
    for (const c of stopped.coverage) expect(c.covered_to).toBeLessThan(edge);

    holdFrom = Number.POSITIVE_INFINITY;
    const resumed = await runBin(['bootstrap', '--until', UNTIL], { env: env('killed.db') });
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = dump('killed.db');
    expect(result.bars.find((b) => b.ts === edge)).toEqual(expected.bars.find((b) => b.ts === edge));
    expect(result.bars).toEqual(expected.bars);
    expect(result.coverage).toEqual(expected.coverage);
  });
});
