import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, type Bar } from '@marketpipe/core';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { CollectorMetrics } from '../../src/metrics';
import { runBootstrap } from '../../src/bootstrap/bootstrap';
import { BarIngest, newCursor } from '../../src/ingest';
import { barAt, startHistoryFake, type FakeBar, type HistoryFake } from './history-fake';

/**
 * Bootstrapped bars pass the live acceptance rules (src/ingest.ts screenBars): a fake Polygon
 * serving its real /v2/aggs format with one spiked minute and a 3-minute hole mid-session; the
 * spike is refused and counted, and what is stored equals what live ingest accepts from the
 * same bars — the refused minute and the hole filled flat from the close before them.
 */
const MINUTE = 60_000;
const UNTIL = Date.parse('2026-11-19T12:00:00Z'); // a Thursday: every minute around it in FX hours
const SPIKE = UNTIL - 600 * MINUTE;
const HOLE = [UNTIL - 300 * MINUTE, UNTIL - 299 * MINUTE, UNTIL - 298 * MINUTE];
const edit = (ticker: string, t: number, bar: FakeBar): FakeBar | null => {
  if (ticker !== 'C:EURUSD') return bar;
  if (t === SPIKE) return { ...bar, h: bar.c * 3, c: bar.c * 3 };
  return HOLE.includes(t) ? null : bar;
};

let fake: HistoryFake;
const dir = mkdtempSync(join(tmpdir(), 'bootstrap-accept-'));
beforeAll(async () => {
  fake = await startHistoryFake({ edit });
});
afterAll(() => fake.stop());

describe('bootstrap acceptance', () => {
  it('refuses a spike with its reason and fills a small in-session hole, as live ingest does', async () => {
    const spec = { ...DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'EURUSD')!, providers: { polygon: 'C:EURUSD' } };
    writeFileSync(join(dir, 'symbols.json'), JSON.stringify([spec]));
    const config = loadConfig({
      PROVIDERS: 'polygon',
      SYMBOLS: 'EURUSD',
      SYMBOLS_FILE: join(dir, 'symbols.json'),
      POLYGON_BASE_URL: fake.url,
      POLYGON_API_KEY: 'poly-test-key',
      POLYGON_PER_MIN: '100000',
      RETENTION_DAYS: '1',
      DATABASE_URL: `file:${join(dir, 'h.db')}`,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: 'bootstrap-accept:',
      LOG_LEVEL: 'warn',
    });
    const report = await runBootstrap(config, { logger: createLogger('warn'), out: { write: () => true }, tty: false, until: UNTIL });
    const [outcome] = report.outcomes;
    expect(outcome?.failed).toBeUndefined();
    expect(outcome?.reasons.spike_suspect).toBe(1);
    expect(outcome?.filled).toBe(4);

    const conn = new Database(join(dir, 'h.db'), { readonly: true });
    const stored = conn.prepare("SELECT ts, open, high, low, close, volume, filled FROM bars WHERE symbol = 'EURUSD' AND interval = '1m' ORDER BY ts").all() as Array<Record<string, number>>;
    conn.close();
    const at = (ts: number) => stored.find((r) => r.ts === ts);
    const before = barAt('C:EURUSD', SPIKE - MINUTE);
    expect(at(SPIKE)).toEqual({ ts: SPIKE, open: before.c, high: before.c, low: before.c, close: before.c, volume: 0, filled: 1 });
    for (const ts of HOLE) expect(at(ts)).toMatchObject({ filled: 1, volume: 0 });

    // Live ingest, fed the same served bars from the bar before the window's first, accepts the same.
    const served: Bar[] = [];
    for (let ts = UNTIL - 1_439 * MINUTE; ts <= UNTIL; ts += MINUTE) {
      const b = edit('C:EURUSD', ts, barAt('C:EURUSD', ts));
      if (b) served.push({ symbol: 'EURUSD', interval: '1m', ts, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, source: 'polygon', final: true, filled: false });
    }
    const live = new BarIngest({ metrics: new CollectorMetrics() });
    const accepted = live.accept(newCursor(spec, null), { provider: 'polygon', bars: served, rejects: [] } as never, UNTIL + MINUTE);
    expect(accepted.spikes).toBe(1);
    expect(stored).toEqual(accepted.finals.map((b) => ({ ts: b.ts, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, filled: b.filled ? 1 : 0 })));
  });
});
