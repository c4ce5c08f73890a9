import { createServer, type Server } from 'node:http';
import { recorded } from '../fakes/recorded';

/**
 * A fake history provider on loopback serving any range of 1m bars in the real Polygon
 * /v2/aggs and Twelve Data /time_series formats (envelopes as recorded in
 * test/fixtures/providers: polygon/aggs-C_EURUSD-1day-…json, twelvedata/time-series-AAPL-1min.json),
 * with Polygon's 50,000-aggregate pages and `next_url` cursor. Bars exist for every minute
 * from Sunday 22:00 to Friday 22:00 UTC (FX hours); values are a deterministic function of
 * ticker and minute, so two runs can be compared bar for bar. Counts requests per path.
 */
export interface HistoryFake {
  url: string;
  /** every request's path and query, in arrival order (keys removed) */
  readonly requests: string[];
  stop(): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const PAGE = 50_000;

export function tradingMinute(t: number): boolean {
  // Arithmetic, not a Date per minute: the fake serves millions of minutes in the benchmark.
  const day = (Math.floor(t / DAY) + 4) % 7; // 1970-01-01 was a Thursday
  const hour = Math.floor(t / HOUR) % 24;
  return !(day === 6 || (day === 5 && hour >= 22) || (day === 0 && hour < 22));
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** A ticker's price level: one of LEVELS, so tickers share pages (see `cached`). */
const LEVELS = 8;
const levelOf = (ticker: string) => 1 + Math.floor(hash(ticker) * LEVELS) * (100 / LEVELS);

export type FakeBar = { o: number; h: number; l: number; c: number; v: number };

/** o/h/l/c/v of a ticker's minute: a smooth walk around the ticker's level. */
export function barAt(ticker: string, t: number): FakeBar {
  return barAtLevel(levelOf(ticker), t);
}

function barAtLevel(level: number, t: number): FakeBar {
  const x = t / MINUTE;
  const o = level * (1 + 0.01 * Math.sin(x / 300) + 0.001 * Math.sin(x / 7));
  const c = level * (1 + 0.01 * Math.sin((x + 1) / 300) + 0.001 * Math.sin((x + 1) / 7));
  const r = (v: number) => Math.round(v * 1e5) / 1e5;
  return { o: r(o), c: r(c), h: r(Math.max(o, c) * 1.0002), l: r(Math.min(o, c) * 0.9998), v: 10 + (x % 50) };
}

/** Changes what the fake serves for one ticker's minute: another bar, or none (null). */
export type BarEdit = (ticker: string, t: number, bar: FakeBar) => FakeBar | null;

function minutes(from: number, to: number, limit: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / MINUTE) * MINUTE; t <= to && out.length < limit; t += MINUTE) if (tradingMinute(t)) out.push(t);
  return out;
}

/**
 * The rows of a page, JSON-encoded once per price level and range: every symbol of a benchmark
 * asks for the same ranges, and encoding ~35,000 rows per answer would otherwise make the fake
 * the slowest part of what it measures. With an `edit`, rows are per ticker and not cached.
 */
class PageCache {
  static encode(rows: string[]): { rows: Buffer; count: number } {
    return { rows: Buffer.from(rows.join(',')), count: rows.length };
  }

  readonly #pages = new Map<string, { rows: Buffer; count: number }>();

  get(key: string, build: () => string[]): { rows: Buffer; count: number } {
    let page = this.#pages.get(key);
    if (!page) {
      page = PageCache.encode(build());
      this.#pages.set(key, page);
      if (this.#pages.size > 32) this.#pages.delete(this.#pages.keys().next().value!);
    }
    return page;
  }
}

function rowsOf(ticker: string, ts: readonly number[], edit: BarEdit | undefined, row: (t: number, b: FakeBar) => string): string[] {
  const level = levelOf(ticker);
  const out: string[] = [];
  for (const t of ts) {
    const plain = barAtLevel(level, t);
    const b = edit ? edit(ticker, t, plain) : plain;
    if (b) out.push(row(t, b));
  }
  return out;
}

const polygonEnvelope = recorded('polygon/aggs-C_EURUSD-1day-2023-01-01_2023-01-10.json') as { request_id: string };
const twelveMeta = (recorded('twelvedata/time-series-AAPL-1min.json') as { meta: Record<string, string> }).meta;
const AGGS = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/1\/minute\/(\d+)\/(\d+)$/;
const polygonRow = (t: number, b: FakeBar) => `{"v":${b.v},"vw":${b.c},"o":${b.o},"c":${b.c},"h":${b.h},"l":${b.l},"t":${t},"n":${b.v}}`;

function polygon(url: URL, base: string, cache: PageCache, edit: BarEdit | undefined): Array<string | Buffer> {
  const m = AGGS.exec(decodeURIComponent(url.pathname));
  if (!m) return [JSON.stringify({ status: 'NOT_FOUND', request_id: 'fake', message: 'unknown path' })];
  const [ticker, to] = [m[1]!, Number(m[3])];
  const cursor = url.searchParams.get('cursor');
  const from = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : Number(m[2]);
  const ts = minutes(from, to, PAGE + 1);
  const pageTs = ts.slice(0, PAGE);
  const build = () => rowsOf(ticker, pageTs, edit, polygonRow);
  const page = edit ? PageCache.encode(build()) : cache.get(`polygon ${levelOf(ticker)} ${from} ${to}`, build);
  const count = page.count;
  const next = ts.length > PAGE ? `,"next_url":"${base}${url.pathname}?cursor=${Buffer.from(String(ts[PAGE])).toString('base64url')}"` : '';
  const head = `{"ticker":${JSON.stringify(ticker)},"queryCount":${count},"resultsCount":${count},"adjusted":true`;
  const tail = `,"status":"OK","request_id":"${polygonEnvelope.request_id}","count":${count}${next}}`;
  return page.rows.length > 0 ? [`${head},"results":[`, page.rows, `]${tail}`] : [head + tail];
}

const utc = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ');
const parseUtc = (s: string) => Date.parse(`${s.replace(' ', 'T')}Z`);
const twelveRow = (t: number, b: FakeBar) => `{"datetime":"${utc(t)}","open":"${b.o.toFixed(5)}","high":"${b.h.toFixed(5)}","low":"${b.l.toFixed(5)}","close":"${b.c.toFixed(5)}"}`;

function twelveData(url: URL, cache: PageCache, edit: BarEdit | undefined): Array<string | Buffer> {
  const symbol = url.searchParams.get('symbol') ?? '';
  const start = parseUtc(url.searchParams.get('start_date') ?? '');
  const end = parseUtc(url.searchParams.get('end_date') ?? '');
  const size = Math.min(Number(url.searchParams.get('outputsize') ?? 30), 5_000);
  if (Number.isNaN(start) || Number.isNaN(end)) return [JSON.stringify({ code: 400, message: 'start_date and end_date are required by this fake', status: 'error' })];
  // The newest `outputsize` bars of [start_date, end_date), newest first, as the real API answers.
  const build = () => rowsOf(symbol, minutes(start, end - MINUTE, Number.MAX_SAFE_INTEGER).slice(-size).reverse(), edit, twelveRow);
  const rows = edit ? PageCache.encode(build()).rows : cache.get(`twelvedata ${levelOf(symbol)} ${start} ${end} ${size}`, build).rows;
  const meta = { ...twelveMeta, symbol, exchange_timezone: 'UTC', type: 'Physical Currency' };
  return [`{"meta":${JSON.stringify(meta)},"values":[`, rows, '],"status":"ok"}'];
}

/**
 * `delayMs` holds every answer that long (a slow provider, so a test can kill a bootstrap
 * mid-way); `hold` never answers the requests it picks (by path and arrival index), so a test
 * can stop a bootstrap exactly between two requests; `edit` changes or removes single bars (a
 * spike, a hole).
 */
export async function startHistoryFake(opts: { delayMs?: number; edit?: BarEdit; hold?: (path: string, index: number) => boolean } = {}): Promise<HistoryFake> {
  const requests: string[] = [];
  const cache = new PageCache();
  let base = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    url.searchParams.delete('apiKey');
    url.searchParams.delete('apikey');
    requests.push(url.pathname + url.search);
    if (opts.hold?.(url.pathname + url.search, requests.length - 1)) return;
    const parts = url.pathname.startsWith('/v2/aggs')
      ? polygon(url, base, cache, opts.edit)
      : url.pathname === '/time_series'
        ? twelveData(url, cache, opts.edit)
        : ['{"status":"error","code":404,"message":"unknown path"}'];
    const send = () => {
      const length = parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
      for (const p of parts) res.write(p);
      res.end();
    };
    if (opts.delayMs) setTimeout(send, opts.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: base,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
