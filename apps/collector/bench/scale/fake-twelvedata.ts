/**
 * A local Twelve Data for the scale benchmark, in its own process so its CPU is not counted as
 * the collector's: GET /time_series with a comma-separated `symbol` list answers in the batch
 * shape recorded in test/fixtures/providers/twelvedata/batch-time-series-AAPL-MSFT-1day.json
 * (one /time_series reply per symbol, keyed by the symbol as asked), each reply in the 1min
 * format of time-series-AAPL-1min.json (its `meta`, strings for prices, newest first, UTC
 * datetimes since `timezone=UTC` is asked). Each answer waits 30–80 ms, like a request across
 * the internet. Prices are a deterministic function of (symbol, second), so the bars of a
 * minute do not depend on when they are asked for.
 *   tsx apps/collector/bench/scale/fake-twelvedata.ts   → prints "PORT <n>"
 *
 * It shares the 2 cores with the collector it measures, so a reply is written as JSON text from
 * pieces cached per symbol (its `meta`), per minute (datetime, open) and per row (as of its last
 * second) rather than built as objects and stringified: a poll costs each symbol the seconds
 * since its last poll. The text is byte for byte what JSON.stringify gives for those objects.
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const MINUTE = 60_000;
const FAKE_API_KEY = 'bench-key';
const recordedSeries = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'providers', 'twelvedata', 'time-series-AAPL-1min.json'), 'utf8'),
) as { meta: Record<string, string> };

/** FNV-1a: a stable number per symbol, for its price level and phases. */
function symbolKey(symbol: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Math.sin of arguments this large (10^7–10^9) takes the slow argument reduction, ~130 ns a call,
 * three per symbol and second: a good part of what a poll still costs, kept so prices stay the same.
 */
function price(key: number, second: number): number {
  const base = 10 + (key % 5_000);
  const k = key / 2 ** 32;
  return base * (1 + 0.002 * Math.sin(second / 97 + 6.28 * k) + 0.0007 * Math.sin(second / 13.1 + 19 * k) + 0.0002 * Math.sin(second / 2.3 + 41 * k));
}

const pad = (n: number) => String(n).padStart(2, '0');
function utcDatetime(ts: number): string {
  const d = new Date(ts);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00`;
}

/** A minute's aggregate so far: extended second by second as time passes, never recomputed. */
interface MinuteSoFar {
  last: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** `{"datetime":…,"open":…,"high":"`: fixed for the minute */
  head: string;
  /** high and low as written: toFixed again only when they move */
  highText: string;
  lowText: string;
  /** the whole row as of `last` ('' until written) */
  json: string;
}
/** What a symbol's replies share; dropped once it has not been asked for CACHED_MINUTES. */
interface SymbolCache {
  key: number;
  /** its name as a JSON string, its key in a batch reply */
  quoted: string;
  /** its reply up to the first row: `{"meta":{…},"values":[` */
  head: string;
  /** its minutes by opening ts, for the last CACHED_MINUTES minutes (live polls; a catch-up reaching further is computed) */
  minutes: Map<number, MinuteSoFar>;
  /** the last request that asked for it, to spot a symbol asked twice */
  askedIn: number;
}
const symbols = new Map<string, SymbolCache>();
/** minute ts → datetime, for the same cached minutes: every symbol's row of a minute shows it */
const datetimes = new Map<number, string>();
let prunedAt = 0;
const CACHED_MINUTES = 5;
const cachedFrom = () => prunedAt - CACHED_MINUTES * MINUTE;

function symbolCache(symbol: string): SymbolCache {
  let c = symbols.get(symbol);
  if (!c) {
    const meta = JSON.stringify({ ...recordedSeries.meta, symbol, exchange_timezone: 'UTC' });
    c = { key: symbolKey(symbol), quoted: JSON.stringify(symbol), head: `{"meta":${meta},"values":[`, minutes: new Map(), askedIn: 0 };
    symbols.set(symbol, c);
  }
  return c;
}

function datetime(ts: number): string {
  let d = datetimes.get(ts);
  if (d === undefined) {
    d = utcDatetime(ts);
    if (ts >= cachedFrom()) datetimes.set(ts, d);
  }
  return d;
}

/**
 * The 1min row of the minute opening at `ts`, built from its seconds up to `upTo`, as JSON.
 * Cached and extended, so a poll costs the seconds since the last one rather than a minute of
 * seconds, and a row asked again at the same second (a closed minute) is not written again.
 */
function row(c: SymbolCache, ts: number, upTo: number): string {
  const { key } = c;
  const first = ts / 1000;
  const last = Math.min(first + 59, Math.floor(upTo / 1000));
  let m = c.minutes.get(ts);
  if (!m || m.last > last) {
    const open = price(key, first - 1);
    const openText = open.toFixed(5);
    const head = `{"datetime":"${datetime(ts)}","open":"${openText}","high":"`;
    m = { last: first - 1, open, high: open, low: open, close: open, volume: 0, head, highText: openText, lowText: openText, json: '' };
    if (ts >= cachedFrom()) c.minutes.set(ts, m);
  }
  if (m.last === last && m.json !== '') return m.json;
  const { high, low } = m;
  for (let s = m.last + 1; s <= last; s++) {
    m.close = price(key, s);
    if (m.close > m.high) m.high = m.close;
    if (m.close < m.low) m.low = m.close;
    m.volume += (Math.imul(key ^ s, 0x9e3779b1) >>> 0) % 50;
    m.last = s;
  }
  if (m.high !== high) m.highText = m.high.toFixed(5);
  if (m.low !== low) m.lowText = m.low.toFixed(5);
  m.json = `${m.head}${m.highText}","low":"${m.lowText}","close":"${m.close.toFixed(5)}","volume":"${m.volume}"}`;
  return m.json;
}

function prune(now: number): void {
  const minute = Math.floor(now / MINUTE) * MINUTE;
  if (minute === prunedAt) return;
  prunedAt = minute;
  const oldest = cachedFrom();
  for (const ts of datetimes.keys()) if (ts < oldest) datetimes.delete(ts);
  for (const [symbol, c] of symbols) {
    for (const ts of c.minutes.keys()) if (ts < oldest) c.minutes.delete(ts);
    if (c.minutes.size === 0) symbols.delete(symbol);
  }
}

/** One symbol's reply as JSON: `meta`, then `outputsize` rows newest first, then `status`. */
function series(c: SymbolCache, outputsize: number, now: number): string {
  const current = Math.floor(now / MINUTE) * MINUTE;
  let json = c.head;
  for (let i = 0; i < outputsize; i++) {
    const ts = current - i * MINUTE;
    json += (i === 0 ? '' : ',') + row(c, ts, i === 0 ? now : ts + MINUTE - 1);
  }
  return `${json}],"status":"ok"}`;
}

let requests = 0;
/**
 * A batch reply: the symbols' replies keyed by symbol, in the order JSON.stringify gives an object
 * of them, which is the order asked unless a symbol repeats or looks like an array index.
 */
function batch(asked: string[], outputsize: number, now: number): string {
  const id = ++requests;
  let plain = true;
  const replies = asked.map((s) => {
    const c = symbolCache(s);
    const first = s.charCodeAt(0);
    if (c.askedIn === id || (first >= 48 && first <= 57) || s === '__proto__') plain = false;
    c.askedIn = id;
    return `${c.quoted}:${series(c, outputsize, now)}`;
  });
  if (plain) return `{${replies.join(',')}}`;
  // As an object's keys: integer-like symbols first, a repeat in its first place, `__proto__` dropped.
  const byKey: Record<string, string> = {};
  asked.forEach((s, i) => (byKey[s] = replies[i]!));
  return `{${Object.values(byKey).join(',')}}`;
}

let seed = 0x2545f491;
function latencyMs(): number {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return 30 + (seed % 51);
}

const UNAUTHORIZED = JSON.stringify({ code: 401, message: '**apikey** parameter is incorrect or not specified.', status: 'error' });
const NOT_SERVED = JSON.stringify({ code: 400, message: 'only 1min /time_series is served here', status: 'error' });

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const send = (status: number, body: string) =>
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    }, latencyMs());
  if (url.searchParams.get('apikey') !== FAKE_API_KEY) return send(401, UNAUTHORIZED);
  if (url.pathname !== '/time_series' || url.searchParams.get('interval') !== '1min') return send(400, NOT_SERVED);
  const asked = (url.searchParams.get('symbol') ?? '').split(',').filter(Boolean);
  const outputsize = Math.min(5_000, Math.max(1, Number(url.searchParams.get('outputsize') ?? 30)));
  const now = Date.now();
  prune(now);
  if (asked.length === 1) return send(200, series(symbolCache(asked[0]!), outputsize, now));
  return send(200, batch(asked, outputsize, now));
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`PORT ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
