import type { Interval } from '@marketpipe/core';
import type { LibSQLDatabase } from 'drizzle-orm/libsql';
import type * as schema from './schema';
import { backfillCheckpoints } from './schema';

/** A bootstrap's coverage of one symbol at one resolution, as stored (see the table's comment). */
export interface Checkpoint {
  symbol: string;
  interval: Interval;
  from: number;
  to: number;
  source: string;
  bars: number;
  requests: number;
  updatedAt: number;
}

/** Replaces the row: the caller (the bootstrap runner, the only writer) has already merged it. */
export const UPSERT_CHECKPOINT = `INSERT INTO backfill_checkpoints (symbol, interval, covered_from, covered_to, source, updated_at, bars, requests)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (symbol, interval) DO UPDATE SET covered_from = excluded.covered_from, covered_to = excluded.covered_to,
  source = excluded.source, updated_at = excluded.updated_at, bars = excluded.bars, requests = excluded.requests`;

export const checkpointArgs = (c: Checkpoint) => [c.symbol, c.interval, c.from, c.to, c.source, c.updatedAt, c.bars, c.requests];

export async function readCheckpoints(db: LibSQLDatabase<typeof schema>): Promise<Checkpoint[]> {
  const rows = await db.select().from(backfillCheckpoints);
  return rows.map((r) => ({
    symbol: r.symbol,
    interval: r.interval as Interval,
    from: r.coveredFrom,
    to: r.coveredTo,
    source: r.source,
    bars: r.bars,
    requests: r.requests,
    updatedAt: r.updatedAt,
  }));
}
