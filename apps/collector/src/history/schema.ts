import { integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * History of final bars. WITHOUT ROWID (clustered on the primary key) is applied by the
 * custom migration drizzle/0001_bars_without_rowid.sql, since drizzle-kit cannot emit it.
 */
export const bars = sqliteTable(
  'bars',
  {
    symbol: text('symbol').notNull(),
    interval: text('interval').notNull(),
    ts: integer('ts').notNull(),
    open: real('open').notNull(),
    high: real('high').notNull(),
    low: real('low').notNull(),
    close: real('close').notNull(),
    volume: real('volume').notNull(),
    source: text('source').notNull(),
    filled: integer('filled', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.interval, t.ts] })],
);

/**
 * What a bootstrap has fetched per symbol and resolution: one contiguous range [covered_from,
 * covered_to] of bar open times whose requests are done (whatever bars they held: a weekend
 * holds none), written in the same transaction as the bars, so a killed bootstrap resumes
 * exactly where its last write ended. Coarser resolutions (Yahoo's 5m/1h beyond its 1m
 * limit) have their own rows: coverage says what resolution each range is held at.
 */
export const backfillCheckpoints = sqliteTable(
  'backfill_checkpoints',
  {
    symbol: text('symbol').notNull(),
    interval: text('interval').notNull(),
    coveredFrom: integer('covered_from').notNull(),
    coveredTo: integer('covered_to').notNull(),
    source: text('source').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** bars and provider requests the range took (progress, status, the no-re-download check) */
    bars: integer('bars').notNull().default(0),
    requests: integer('requests').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.interval] })],
);
