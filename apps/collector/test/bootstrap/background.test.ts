import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { createClient, RESP_TYPES } from 'redis';
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '@marketpipe/testkit';
import { decodeValue, type Features } from '@marketpipe/core';
import { BIN } from '../cli/run-bin';

const HOUR = 3_600_000;

describe('marketpipe run with a short history', () => {
  it('fills the rest of RETENTION_DAYS in a background worker while the live loop runs, then re-warms the engines from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootstrap-bg-'));
    const db = join(dir, 'h.db');
    const child = spawn(process.execPath, [BIN, 'run'], {
      env: {
        PATH: process.env.PATH ?? '',
        PROVIDERS: 'sim',
        SYMBOLS: 'EURUSD,XAUUSD',
        RETENTION_DAYS: '2',
        BACKFILL_HOURS: '1',
        REDIS_URL: inject('redisUrl'),
        REDIS_PREFIX: 'bootstrap-bg:',
        DATABASE_URL: `file:${db}`,
        HISTORY_FLUSH_MS: '1000',
        COLLECTOR_PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const started = Date.now();
    await eventually(() => expect(out).toContain('background bootstrap finished'), { timeoutMs: 45_000 });
    const cycles = (out.match(/"msg":"collector started"/g) ?? []).length;
    expect(cycles).toBe(1);
    // Warmed at start from one hour, the 1h engine had no RSI (14 bars); rebuilt from two days it has.
    await eventually(() => expect(out).toContain('engines re-warmed from the bootstrapped history'), { timeoutMs: 15_000 });
    const redis = createClient({ url: inject('redisUrl') }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    await redis.connect();
    try {
      await eventually(
        async () => {
          const raw = await redis.hGet('bootstrap-bg:feat:1h', 'EURUSD');
          expect(raw).not.toBeNull();
          expect(decodeValue<Features>(raw!).rsi).toEqual(expect.any(Number));
        },
        { timeoutMs: 10_000 },
      );
    } finally {
      await redis.quit();
    }
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));

    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.task === 'bootstrap' && l.msg === 'bootstrap chunk')).toBe(true);
    const conn = new Database(db, { readonly: true });
    const rows = conn.prepare('SELECT symbol, interval, covered_from, covered_to, source FROM backfill_checkpoints ORDER BY symbol').all() as Array<{ symbol: string; interval: string; covered_from: number; covered_to: number; source: string }>;
    const minute = conn.prepare("SELECT count(*) AS n FROM bars WHERE symbol = 'EURUSD' AND interval = '1m'").get() as { n: number };
    conn.close();
    expect(rows.map((r) => r.symbol)).toEqual(['EURUSD', 'XAUUSD']);
    for (const r of rows) {
      expect(r).toMatchObject({ interval: '1m', source: 'sim' });
      expect(Math.abs(r.covered_from - (started - 48 * HOUR))).toBeLessThan(HOUR / 2);
      expect(Math.abs(r.covered_to - (started - HOUR))).toBeLessThan(HOUR / 2);
    }
    // Two days of minutes: the bootstrap's ~47 h plus the start-up catch-up's hour and the live minutes.
    expect(minute.n).toBeGreaterThan(47 * 60);
  });
});
