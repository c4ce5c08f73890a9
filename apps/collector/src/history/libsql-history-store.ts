import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { and, asc, desc, eq, gt, gte, lte, max, sql } from 'drizzle-orm';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Bar, Interval } from '@marketpipe/core';
import type { HistorySink } from '../ports';
import * as schema from './schema';
import { NativeBarWriter } from './native-bar-writer';
import type { Checkpoint } from './checkpoints';

const MIGRATIONS = fileURLToPath(new URL('../../../../drizzle', import.meta.url));
/** rows per INSERT statement: 10 bound values each stays far below SQLite's variable limit */
const ROWS_PER_STATEMENT = 500;

export interface HistoryStoreOptions {
  url: string;
  authToken?: string;
  /** called once per write transaction (metrics) */
  onTransaction?: (rows: number) => void;
  /** bars the buffer may hold while flushes fail; beyond it `add` refuses (HistoryBufferFullError) */
  maxBuffered?: number;
  /** false: write local files through @libsql/client too (the benchmark's baseline) */
  nativeWrites?: boolean;
}

/** History did not take the bars: nothing was queued, and the caller must not treat them as accepted. */
export abstract class HistoryRefusedError extends Error {
  abstract readonly code: string;
}

export class HistoryBufferFullError extends HistoryRefusedError {
  readonly code = 'history_buffer_full';
  constructor(
    readonly pending: number,
    readonly max: number,
  ) {
    super(`history buffer full (${pending} of ${max} bars waiting for the database); not accepting more until a flush succeeds`);
    this.name = 'HistoryBufferFullError';
  }

  /** bars that would still fit */
  get room(): number {
    return Math.max(0, this.max - this.pending);
  }
}

export class HistorySealedError extends HistoryRefusedError {
  readonly code = 'history_sealed';
  constructor() {
    super('history is sealed for shutdown: bars arriving now are fetched again at the next start');
    this.name = 'HistorySealedError';
  }
}

/**
 * The local driver is synchronous: a busy wait blocks the event loop, and with it the 1-second
 * cycle. So the busy timeout is short (the flusher retries with backoff and keeps the buffer),
 * set through the client option, which reaches every pooled connection (a PRAGMA reaches one).
 */
const BUSY_TIMEOUT_MS = 200;

async function connect(opts: HistoryStoreOptions): Promise<Client> {
  const client = createClient({ url: opts.url, timeout: BUSY_TIMEOUT_MS, ...(opts.authToken ? { authToken: opts.authToken } : {}) });
  if (opts.url.startsWith('file:')) await client.execute('PRAGMA journal_mode = WAL');
  return client;
}

/** The file path of a local `file:` URL, or null for a remote. */
export function localPath(url: string): string | null {
  return url.startsWith('file:') ? (url.slice('file:'.length).split('?')[0] ?? null) : null;
}

const bufferKey = (b: Bar) => `${b.symbol}\u0000${b.interval}\u0000${b.ts}`;

/**
 * 90 days of final bars in libSQL. Writes are buffered and flushed as one transaction
 * (a libSQL batch) of multi-row upserts, because one autocommitted insert per bar is ~15×
 * slower and most of a transaction's cost is its commit.
 */
export class LibsqlHistoryStore implements HistorySink {
  #client: Client;
  #db: LibSQLDatabase<typeof schema>;
  readonly #opts: HistoryStoreOptions;
  /** set by a failed write: the next flush starts from a fresh connection */
  #reconnect = false;
  /** local files are written through the native driver; remotes (libsql://) through the client */
  readonly #native: NativeBarWriter | null;
  readonly #onTransaction: ((rows: number) => void) | undefined;
  readonly #maxBuffered: number;
  #buffer = new Map<string, Bar>();
  /** what the flush in progress is writing: still readable, not yet durable */
  #inFlight: readonly Bar[] = [];
  #flushing: Promise<number> = Promise.resolve(0);
  #sealed = false;

  private constructor(client: Client, opts: HistoryStoreOptions) {
    this.#client = client;
    this.#db = drizzle(client, { schema });
    this.#opts = opts;
    const path = localPath(opts.url);
    this.#native = path && path !== ':memory:' && opts.nativeWrites !== false ? new NativeBarWriter(path, { busyTimeoutMs: BUSY_TIMEOUT_MS }) : null;
    this.#onTransaction = opts.onTransaction;
    this.#maxBuffered = opts.maxBuffered ?? Number.POSITIVE_INFINITY;
  }

  static async open(opts: HistoryStoreOptions): Promise<LibsqlHistoryStore> {
    const path = localPath(opts.url);
    if (path && path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    const store = new LibsqlHistoryStore(await connect(opts), opts);
    await migrate(store.db, { migrationsFolder: MIGRATIONS });
    return store;
  }

  get db(): LibSQLDatabase<typeof schema> {
    return this.#db;
  }

  /**
   * Queues final bars for the next flush; a later bar at the same key replaces an earlier one.
   * All or nothing: when they do not fit, nothing is queued and HistoryBufferFullError is thrown.
   */
  add(bars: readonly Bar[]): void {
    if (bars.length > 0 && this.#sealed) throw new HistorySealedError();
    if (bars.length > 0 && this.pending + bars.length > this.#maxBuffered) throw new HistoryBufferFullError(this.pending, this.#maxBuffered);
    for (const bar of bars) this.#buffer.set(bufferKey(bar), bar);
  }

  /** Refuses every later `add`: a shutdown's last flush then really is the last. */
  seal(): void {
    this.#sealed = true;
  }

  /** bars accepted but not yet durable (buffered, or in the flush under way) */
  get pending(): number {
    return this.#buffer.size + this.#inFlight.length;
  }

  /** Writes everything buffered in one transaction; returns the rows written. Serialised. */
  flush(): Promise<number> {
    // Chained on the previous flush whatever its outcome: a failed flush must not fail every later one.
    const next = this.#flushing.then(
      () => this.#flushNow(),
      () => this.#flushNow(),
    );
    this.#flushing = next;
    return next;
  }

  async #flushNow(): Promise<number> {
    if (this.#buffer.size === 0) return 0;
    if (this.#reconnect) {
      // After an I/O error (read-only file, full disk) SQLite's connection — and the WAL index it
      // shares — can stay broken once the cause is gone. Closing first lets the next connection
      // rebuild the index from the file as it is now.
      this.#client.close();
      const fresh = await connect(this.#opts);
      this.#client = fresh;
      this.#db = drizzle(fresh, { schema });
      this.#reconnect = false;
    }
    const rows = [...this.#buffer.values()];
    this.#inFlight = rows;
    this.#buffer = new Map();
    try {
      await this.write(rows);
    } catch (error) {
      this.#reconnect = true;
      // Keep what failed for the next flush, behind anything newer that arrived meanwhile.
      const newer = this.#buffer;
      this.#buffer = new Map(rows.map((b) => [bufferKey(b), b]));
      for (const [k, b] of newer) this.#buffer.set(k, b);
      throw error;
    } finally {
      this.#inFlight = [];
    }
    return rows.length;
  }

  /**
   * Upserts bars in one transaction, bypassing the buffer (bootstrap, recovery); with a
   * bootstrap checkpoint, the checkpoint commits in the same transaction as its bars.
   */
  async write(rows: readonly Bar[], checkpoint?: Checkpoint): Promise<void> {
    if (rows.length === 0 && !checkpoint) return;
    if (this.#native) {
      this.#native.write(rows, checkpoint);
      this.#onTransaction?.(rows.length);
      return;
    }
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
        this.#db
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
    if (checkpoint) statements.push(this.#upsertCheckpoint(checkpoint));
    const [first, ...rest] = statements;
    if (!first) return;
    await this.#db.batch([first, ...rest]);
    this.#onTransaction?.(rows.length);
  }

  #upsertCheckpoint(c: Checkpoint) {
    const row = { symbol: c.symbol, interval: c.interval, coveredFrom: c.from, coveredTo: c.to, source: c.source, updatedAt: c.updatedAt, bars: c.bars, requests: c.requests };
    const { symbol: _symbol, interval: _interval, ...set } = row;
    return this.#db.insert(schema.backfillCheckpoints).values(row).onConflictDoUpdate({ target: [schema.backfillCheckpoints.symbol, schema.backfillCheckpoints.interval], set });
  }

  /** ts of the newest bar of a symbol, flushed or still buffered */
  async lastTs(symbol: string, interval: Interval = '1m'): Promise<number | null> {
    const { bars } = schema;
    const [row] = await this.#db
      .select({ ts: max(bars.ts) })
      .from(bars)
      .where(and(eq(bars.symbol, symbol), eq(bars.interval, interval)));
    let last = row?.ts ?? null;
    for (const b of this.#unflushed(symbol, interval)) if (last === null || b.ts > last) last = b.ts;
    return last;
  }

  async lastBar(symbol: string, interval: Interval = '1m'): Promise<Bar | null> {
    const ts = await this.lastTs(symbol, interval);
    return ts === null ? null : ((await this.range(symbol, ts, ts, interval))[0] ?? null);
  }

  /** Final bars of a symbol with ts in [from, to], oldest first: flushed ones, and buffered ones over them. */
  async range(symbol: string, from: number, to: number, interval: Interval = '1m'): Promise<Bar[]> {
    const { bars } = schema;
    const rows = await this.#db
      .select()
      .from(bars)
      .where(and(eq(bars.symbol, symbol), eq(bars.interval, interval), gte(bars.ts, from), lte(bars.ts, to)))
      .orderBy(asc(bars.ts));
    const stored: Bar[] = rows.map((r) => ({ ...r, interval: r.interval as Interval, final: true }));
    const unflushed = this.#unflushed(symbol, interval).filter((b) => b.ts >= from && b.ts <= to);
    if (unflushed.length === 0) return stored;
    const byTs = new Map(stored.map((b) => [b.ts, b]));
    for (const b of unflushed) byTs.set(b.ts, b);
    return [...byTs.values()].sort((a, b) => a.ts - b.ts);
  }

  /** The newest `limit` bars of a symbol with ts > `after`, oldest first (a window refill). */
  async recent(symbol: string, limit: number, after = Number.NEGATIVE_INFINITY, interval: Interval = '1m'): Promise<Bar[]> {
    const { bars } = schema;
    const rows = await this.#db
      .select()
      .from(bars)
      .where(and(eq(bars.symbol, symbol), eq(bars.interval, interval), gt(bars.ts, Number.isFinite(after) ? after : -1)))
      .orderBy(desc(bars.ts))
      .limit(limit);
    const byTs = new Map<number, Bar>(rows.map((r) => [r.ts, { ...r, interval: r.interval as Interval, final: true }]));
    for (const b of this.#unflushed(symbol, interval)) if (b.ts > after) byTs.set(b.ts, b);
    return [...byTs.values()].sort((a, b) => a.ts - b.ts).slice(-limit);
  }

  /** Accepted bars of one symbol not yet durable; a scan of the buffer, for the rare reads that need it. */
  #unflushed(symbol: string, interval: Interval): Bar[] {
    const out: Bar[] = [];
    for (const b of this.#inFlight) if (b.symbol === symbol && b.interval === interval) out.push(b);
    for (const b of this.#buffer.values()) if (b.symbol === symbol && b.interval === interval) out.push(b);
    return out;
  }

  async count(symbol?: string): Promise<number> {
    const { bars } = schema;
    const [row] = await this.#db
      .select({ n: sql<number>`count(*)` })
      .from(bars)
      .where(symbol ? eq(bars.symbol, symbol) : undefined);
    return row?.n ?? 0;
  }

  /**
   * Deletes bars older than `before`, one symbol and interval at a time, in batches of `batch`
   * rows found by primary key (a range seek, never a scan of the newer rows), yielding to the
   * event loop between batches: the local driver is synchronous, so one batch is all a cycle
   * can ever wait for (measured in bench/bootstrap.bench.ts). `onBatch` gets each batch's time.
   */
  async prune(before: number, { batch = 500, onBatch }: { batch?: number; onBatch?: (ms: number, rows: number) => void } = {}): Promise<number> {
    let total = 0;
    let after: [string, string] = ['', ''];
    for (;;) {
      const next = await this.#client.execute({
        sql: 'SELECT symbol, interval FROM bars WHERE (symbol, interval) > (?, ?) ORDER BY symbol, interval LIMIT 1',
        args: after,
      });
      const row = next.rows[0];
      if (!row) return total;
      after = [String(row.symbol), String(row.interval)];
      for (;;) {
        const started = performance.now();
        const res = await this.#client.execute({
          sql: `DELETE FROM bars WHERE symbol = ? AND interval = ? AND ts IN
                (SELECT ts FROM bars WHERE symbol = ? AND interval = ? AND ts < ? ORDER BY ts LIMIT ?)`,
          args: [...after, ...after, before, batch],
        });
        onBatch?.(performance.now() - started, res.rowsAffected);
        total += res.rowsAffected;
        if (res.rowsAffected < batch) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Flushes what is buffered, then closes; `flush: false` closes at once (a bounded shutdown that gave up). */
  async close({ flush = true }: { flush?: boolean } = {}): Promise<void> {
    try {
      if (flush) await this.flush();
    } finally {
      this.#native?.close();
      this.#client.close();
    }
  }
}

