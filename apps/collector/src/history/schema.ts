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

/** How far back each symbol's history was backfilled, so a bootstrap can resume. */
export const backfillCheckpoints = sqliteTable(
  'backfill_checkpoints',
  {
    symbol: text('symbol').notNull(),
    interval: text('interval').notNull(),
    coveredFrom: integer('covered_from').notNull(),
    coveredTo: integer('covered_to').notNull(),
    source: text('source').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.interval] })],
);
