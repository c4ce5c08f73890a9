import { sql } from 'drizzle-orm';
import type { LibSQLDatabase } from 'drizzle-orm/libsql';
import { INTERVAL_MS, isInterval, isMarketOpen, type Interval, type SymbolSpec } from '@marketpipe/core';
import type * as schema from './schema';

const MINUTE = 60_000;

/** What history holds of one symbol at one resolution. */
export interface HeldRange {
  interval: Interval;
  first: number;
  last: number;
  bars: number;
  /** provider of the newest bar */
  source: string;
}

export interface Holes {
  /** in-session stretches with no 1m bar between two stored bars */
  count: number;
  /** in-session minutes missing, all holes together */
  missing: number;
  largest: { from: number; to: number; missing: number } | null;
}

/** Per interval: first and last bar, count, and the newest bar's provider (one indexed scan per interval). */
export async function heldRanges(db: LibSQLDatabase<typeof schema>, symbol: string): Promise<HeldRange[]> {
  const rows = await db.all<{ interval: string; first: number; last: number; bars: number }>(
    sql`SELECT interval, min(ts) AS first, max(ts) AS last, count(*) AS bars FROM bars WHERE symbol = ${symbol} GROUP BY interval`,
  );
  const out: HeldRange[] = [];
  for (const r of rows) {
    if (!isInterval(r.interval)) continue;
    const [last] = await db.all<{ source: string }>(sql`SELECT source FROM bars WHERE symbol = ${symbol} AND interval = ${r.interval} AND ts = ${r.last}`);
    out.push({ interval: r.interval, first: r.first, last: r.last, bars: r.bars, source: last?.source ?? '' });
  }
  return out.sort((a, b) => INTERVAL_MS[a.interval] - INTERVAL_MS[b.interval]);
}

/**
 * The in-session holes in a symbol's 1m bars: consecutive stored bars more than a minute
 * apart (found by the database), then the minutes between them that fall in the session (a
 * weekend or a closed night is no hole).
 */
export async function inSessionHoles(db: LibSQLDatabase<typeof schema>, spec: SymbolSpec): Promise<Holes> {
  const gaps = await db.all<{ prev: number; ts: number }>(
    sql`SELECT prev, ts FROM (SELECT ts, lag(ts) OVER (ORDER BY ts) AS prev FROM bars WHERE symbol = ${spec.symbol} AND interval = '1m') WHERE ts - prev > ${MINUTE}`,
  );
  const holes: Holes = { count: 0, missing: 0, largest: null };
  for (const g of gaps) {
    let missing = 0;
    let from = 0;
    let to = 0;
    for (let m = g.prev + MINUTE; m < g.ts; m += MINUTE) {
      if (!isMarketOpen(spec.session, m)) continue;
      if (missing === 0) from = m;
      to = m;
      missing++;
    }
    if (missing === 0) continue;
    holes.count++;
    holes.missing += missing;
    if (!holes.largest || missing > holes.largest.missing) holes.largest = { from, to, missing };
  }
  return holes;
}
