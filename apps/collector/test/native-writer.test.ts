import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bar } from '@marketpipe/core';
import { LibsqlHistoryStore } from '../src/history/libsql-history-store';

const T0 = Date.UTC(2026, 0, 5);
const bar = (symbol: string, i: number, close: number, filled = false): Bar => ({
  symbol, interval: '1m', ts: T0 + i * 60_000, open: close, high: close + 1, low: close - 1, close, volume: i, source: 'sim', final: true, filled,
});

async function roundTrip(native: boolean, writes: Bar[][]): Promise<Bar[]> {
  const store = await LibsqlHistoryStore.open({ url: `file:${join(mkdtempSync(join(tmpdir(), 'native-writer-')), 'h.db')}`, nativeWrites: native });
  try {
    for (const rows of writes) await store.write(rows);
    return [...(await store.range('B', 0, Number.MAX_SAFE_INTEGER)), ...(await store.range('A', 0, Number.MAX_SAFE_INTEGER))];
  } finally {
    await store.close();
  }
}

describe('native writes (local files) and client writes (remotes) store the same rows', () => {
  it('upserts by (symbol, interval, ts) in any input order, partial statements included', async () => {
    // 123 rows: two full 50-row statements and 23 single ones; unsorted, with a later replacement.
    const first = Array.from({ length: 123 }, (_, i) => bar(i % 2 ? 'A' : 'B', 122 - i, 100 + i, i % 5 === 0));
    const second = [bar('A', 1, 999), bar('B', 0, 555, true)];
    const viaNative = await roundTrip(true, [first, second]);
    const viaClient = await roundTrip(false, [first, second]);
    expect(viaNative).toEqual(viaClient);
    expect(viaNative).toHaveLength(123);
    expect(viaNative.find((b) => b.symbol === 'A' && b.ts === T0 + 60_000)?.close).toBe(999);
    expect(viaNative.find((b) => b.symbol === 'B' && b.ts === T0)).toMatchObject({ close: 555, filled: true });
  });
});
