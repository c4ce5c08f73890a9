import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bar } from '@marketpipe/core';
import { LibsqlHistoryStore } from '../../src/history/libsql-history-store';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const bar = (symbol: string, interval: Bar['interval'], ts: number): Bar => ({ symbol, interval, ts, open: 1, high: 1, low: 1, close: 1, volume: 0, source: 'sim', final: true, filled: false });

describe('retention pruning', () => {
  it('deletes exactly the bars older than the cut, every symbol and interval, in batches of the size asked', async () => {
    const store = await LibsqlHistoryStore.open({ url: `file:${join(mkdtempSync(join(tmpdir(), 'prune-')), 'h.db')}` });
    const rows: Bar[] = [];
    for (const symbol of ['AAA', 'BBB', 'CCC']) {
      for (let i = 0; i < 100; i++) rows.push(bar(symbol, '1m', T0 + i * MINUTE));
      for (let i = 0; i < 20; i++) rows.push(bar(symbol, '5m', T0 + i * 5 * MINUTE));
    }
    await store.write(rows);
    const cut = T0 + 50 * MINUTE;
    const batches: number[] = [];
    const deleted = await store.prune(cut, { batch: 7, onBatch: (_ms, n) => batches.push(n) });
    const expected = rows.filter((b) => b.ts < cut).length;
    expect(deleted).toBe(expected);
    expect(Math.max(...batches)).toBe(7);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(expected);
    expect(await store.count()).toBe(rows.length - expected);
    for (const symbol of ['AAA', 'BBB', 'CCC']) {
      expect((await store.range(symbol, 0, T0 + 1_000 * MINUTE))[0]!.ts).toBe(cut);
      expect((await store.range(symbol, 0, T0 + 1_000 * MINUTE, '5m'))[0]!.ts).toBe(cut);
    }
    await store.close();
  });
});
