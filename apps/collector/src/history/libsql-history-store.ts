import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { and, asc, eq, gte, lte, max, sql } from 'drizzle-orm';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Bar, Interval } from '@marketpipe/core';
import * as schema from './schema';

const MIGRATIONS = fileURLToPath(new URL('../../../../drizzle', import.meta.url));
/** rows per INSERT statement: 10 bound values each stays far below SQLite's variable limit */
const ROWS_PER_STATEMENT = 500;

export interface HistoryStoreOptions {
  url: string;
  authToken?: string;
  /** called once per write transaction (metrics) */
  onTransaction?: (rows: number) => void;
}

/**
 * 90 days of final bars in libSQL. Writes are buffered and flushed as one transaction
 * (a libSQL batch) of multi-row upserts, because one autocommitted insert per bar is ~15×
 * slower and most of a transaction's cost is its commit.
 */
export class LibsqlHistoryStore {
  readonly #client: Client;
  readonly db: LibSQLDatabase<typeof schema>;
  readonly #onTransaction: ((rows: number) => void) | undefined;
  #buffer = new Map<string, Bar>();
  #flushing: Promise<number> = Promise.resolve(0);

  private constructor(client: Client, onTransaction?: (rows: number) => void) {
    this.#client = client;
    this.db = drizzle(client, { schema });
    this.#onTransaction = onTransaction;
  }

  static async open(opts: HistoryStoreOptions): Promise<LibsqlHistoryStore> {
    if (opts.url.startsWith('file:')) {
      const path = opts.url.slice('file:'.length).split('?')[0] ?? '';
      if (path && path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    }
    const client = createClient({ url: opts.url, ...(opts.authToken ? { authToken: opts.authToken } : {}) });
    if (opts.url.startsWith('file:')) {
      await client.execute('PRAGMA journal_mode = WAL');
      await client.execute('PRAGMA busy_timeout = 5000');
    }
    const store = new LibsqlHistoryStore(client, opts.onTransaction);
    await migrate(store.db, { migrationsFolder: MIGRATIONS });
    return store;
  }

  /** Queues final bars for the next flush; a later bar at the same key replaces an earlier one. */
  add(bars: Iterable<Bar>): void {
    for (const bar of bars) this.#buffer.set(`${bar.symbol}\u0000${bar.interval}\u0000${bar.ts}`, bar);
  }

  get pending(): number {
    return this.#buffer.size;
  }

  /** Writes everything buffered in one transaction; returns the rows written. Serialised. */
  flush(): Promise<number> {
    this.#flushing = this.#flushing.then(() => this.#flushNow());
    return this.#flushing;
  }

  async #flushNow(): Promise<number> {
    if (this.#buffer.size === 0) return 0;
    const rows = [...this.#buffer.values()];
    this.#buffer = new Map();
    try {
      await this.write(rows);
    } catch (error) {
      // Keep what failed for the next flush, behind anything newer that arrived meanwhile.
      const newer = this.#buffer;
      this.#buffer = new Map();
      this.add(rows);
      this.add(newer.values());
      throw error;
    }
    return rows.length;
  }

  /** Upserts bars in one transaction, bypassing the buffer (bootstrap, recovery). */
  async write(rows: readonly Bar[]): Promise<void> {
    if (rows.length === 0) return;
    const { bars } = schema;
    const statements = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT).map((b) => ({
        symbol: b.symbol,
        interval: b.interval,
        ts: b.ts,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
        source: b.source,
        filled: b.filled,
      }));
      statements.push(
        this.db
          .insert(bars)
          .values(chunk)
          .onConflictDoUpdate({
            target: [bars.symbol, bars.interval, bars.ts],
            set: {
              open: sql`excluded.open`,
              high: sql`excluded.high`,
              low: sql`excluded.low`,
              close: sql`excluded.close`,
              volume: sql`excluded.volume`,
              source: sql`excluded.source`,
              filled: sql`excluded.filled`,
            },
          }),
      );
    }
    const [first, ...rest] = statements;
    if (!first) return;
    await this.db.batch([first, ...rest]);
    this.#onTransaction?.(rows.length);
  }

  async lastTs(symbol: string, interval: Interval = '1m'): Promise<number | null> {
    const { bars } = schema;
    const [row] = await this.db
      .select({ ts: max(bars.ts) })
      .from(bars)
      .where(and(eq(bars.symbol, symbol), eq(bars.interval, interval)));
    return row?.ts ?? null;
  }

  async lastBar(symbol: string, interval: Interval = '1m'): Promise<Bar | null> {
    const ts = await this.lastTs(symbol, interval);
    return ts === null ? null : ((await this.range(symbol, ts, ts, interval))[0] ?? null);
  }

  /** Final bars of a symbol with ts in [from, to], oldest first. */
  async range(symbol: string, from: number, to: number, interval: Interval = '1m'): Promise<Bar[]> {
    const { bars } = schema;
    const rows = await this.db
      .select()
      .from(bars)
      .where(and(eq(bars.symbol, symbol), eq(bars.interval, interval), gte(bars.ts, from), lte(bars.ts, to)))
      .orderBy(asc(bars.ts));
    return rows.map((r) => ({ ...r, interval: r.interval as Interval, final: true }));
  }

  async count(symbol?: string): Promise<number> {
    const { bars } = schema;
    const [row] = await this.db
      .select({ n: sql<number>`count(*)` })
      .from(bars)
      .where(symbol ? eq(bars.symbol, symbol) : undefined);
    return row?.n ?? 0;
  }

  /** Deletes bars older than `before` in small batches so writers are never blocked for long. */
  async prune(before: number, batch = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const res = await this.#client.execute({
        sql: 'DELETE FROM bars WHERE (symbol, interval, ts) IN (SELECT symbol, interval, ts FROM bars WHERE ts < ? LIMIT ?)',
        args: [before, batch],
      });
      total += res.rowsAffected;
      if (res.rowsAffected < batch) return total;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.#client.close();
  }
}

