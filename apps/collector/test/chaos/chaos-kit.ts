import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createClient as createLibsql } from '@libsql/client';
import { createClient, RESP_TYPES } from 'redis';
import { DEFAULT_SYMBOL_SPECS, decodeBar, isMarketOpen, type Bar, type Interval } from '@marketpipe/core';

/**
 * Shared by the chaos tests: the real CLI as a child process (no in-process shortcuts, so a
 * SIGKILL really loses the heap and a SIGTERM really goes through the signal handler), an
 * observer of the Redis window, and read-only looks at the libSQL file.
 */
export const BIN = fileURLToPath(new URL('../../bin/marketpipe.js', import.meta.url));
export const SYMBOLS = ['EURUSD', 'XAUUSD', 'NAS100'] as const;
export const MINUTE = 60_000;

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** `marketpipe run`, with its pino JSON lines parsed as they arrive. */
export class CollectorProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly spawnedAt = Date.now();
  readonly logs: LogLine[] = [];
  /** resolves once the process is gone and its output fully read ('close', after 'exit') */
  readonly exited: Promise<Exit>;
  #raw = '';
  #partial = '';
  #waiters: (() => void)[] = [];
  exit: Exit | null = null;

  constructor(env: Record<string, string>) {
    // A minimal environment: a developer's own SYMBOLS_FILE, PROVIDERS or API keys must not leak in.
    const base: Record<string, string> = {};
    for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) if (process.env[k]) base[k] = process.env[k]!;
    this.child = spawn(process.execPath, [BIN, 'run'], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => this.#onStdout(d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.#raw += d.toString()));
    // `at` is when the process ended ('exit'); the promise waits for 'close' so no log line is missed.
    let exitAt = 0;
    this.child.once('exit', () => (exitAt = Date.now()));
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal, at: exitAt || Date.now() };
        this.#wake();
        resolve(this.exit);
      }),
    );
  }

  #onStdout(chunk: string): void {
    this.#raw += chunk;
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not JSON (a stray print): kept in `output` only
      }
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** stdout and stderr as received, for failure messages */
  get output(): string {
    return this.#raw;
  }

  find(msg: string | RegExp): LogLine | undefined {
    return this.logs.find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)));
  }

  /** Resolves with the first log line matching `msg`; rejects on timeout or if the process exits first. */
  async waitForLog(msg: string | RegExp, timeoutMs: number): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.find(msg);
      if (hit) return hit;
      if (this.exit) throw new Error(`collector exited (${JSON.stringify(this.exit)}) before logging "${msg}":\n${this.output}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${msg}" within ${timeoutMs} ms:\n${this.output}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Kills the process with `signal` and resolves when it is gone (the exit event). */
  async kill(signal: NodeJS.Signals): Promise<Exit> {
    if (!this.exit) this.child.kill(signal);
    return this.exited;
  }
}

/** The env of one collector process: sim feed at 600× (10 simulated minutes per wall second). */
export function collectorEnv(o: { redisUrl: string; prefix: string; dbUrl: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PROVIDERS: 'sim',
    SYMBOLS: SYMBOLS.join(','),
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    DATABASE_URL: o.dbUrl,
    SIM_SPEED: '600',
    BACKFILL_HOURS: '2',
    // the chaos checks compare history with the window over the live span; the background bootstrap is tested in test/bootstrap
    BOOTSTRAP_ON_RUN: 'false',
    HISTORY_FLUSH_MS: '1000',
    COLLECTOR_PORT: '0',
    LOG_LEVEL: 'info',
    COLLECTOR_ID: 'chaos',
    ...extra,
  };
}


export const barKey = (b: Pick<Bar, 'symbol' | 'ts'>) => `${b.symbol}@${b.ts}`;

/** A separate binary client reading the window's sorted sets the way the API does (ZRANGE, msgpack). */
export async function windowReader(redisUrl: string, prefix: string) {
  const client = createClient({ url: redisUrl }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  client.on('error', () => undefined); // a stopped Redis (outage tests) must not crash the test process
  await client.connect();
  return {
    /** every final bar the window holds now, per symbol, oldest first */
    async finals(): Promise<Map<string, Bar[]>> {
      const out = new Map<string, Bar[]>();
      for (const symbol of SYMBOLS) {
        const members = await client.zRangeWithScores(`${prefix}bars:${symbol}:1m`, 0, -1);
        out.set(
          symbol,
          members.map((m) => {
            const bar = decodeBar(m.value);
            if (bar.ts !== Number(String(m.score))) throw new Error(`${symbol}: member ts ${bar.ts} stored under score ${String(m.score)}`);
            return bar;
          }),
        );
      }
      return out;
    },
    close: () => client.destroy(),
  };
}

/**
 * History as it is on disk, read through a connection of our own (never the store class: its
 * open() runs migrations, a write we must not do next to a running collector). Empty when the
 * collector has not created the file or the table yet.
 */
export async function readHistory(dbUrl: string): Promise<Map<string, Bar[]>> {
  const out = new Map<string, Bar[]>(SYMBOLS.map((s) => [s, []]));
  if (!existsSync(dbUrl.slice('file:'.length))) return out;
  const db = createLibsql({ url: dbUrl });
  try {
    const rs = await db.execute('SELECT symbol, interval, ts, open, high, low, close, volume, source, filled FROM bars ORDER BY symbol, ts');
    for (const r of rs.rows) {
      const bar: Bar = {
        symbol: String(r.symbol),
        interval: String(r.interval) as Interval,
        ts: Number(r.ts),
        open: Number(r.open),
        high: Number(r.high),
        low: Number(r.low),
        close: Number(r.close),
        volume: Number(r.volume),
        source: String(r.source),
        final: true,
        filled: Boolean(r.filled),
      };
      out.get(bar.symbol)?.push(bar);
    }
  } catch (error) {
    if (!/no such table/i.test(String(error))) throw error;
  } finally {
    db.close();
  }
  return out;
}

/**
 * In-session minutes missing between a symbol's first and last bar. The sim trades around the
 * clock, but the collector only promises (and only gap-fills) minutes its session is open: the
 * CME symbols have a daily 17:00–18:00 New York break and a weekend, so those minutes are skipped.
 */
export function holes(symbol: string, bars: readonly Bar[]): number[] {
  const spec = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === symbol);
  if (!spec) throw new Error(`no spec for ${symbol}`);
  const have = new Set(bars.map((b) => b.ts));
  const out: number[] = [];
  const first = bars[0]?.ts;
  const last = bars.at(-1)?.ts;
  if (first === undefined || last === undefined) return out;
  for (let ts = first; ts <= last; ts += MINUTE) if (!have.has(ts) && isMarketOpen(spec.session, ts)) out.push(ts);
  return out;
}

export const iso = (ts: number) => new Date(ts).toISOString();
