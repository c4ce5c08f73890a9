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
}
/** per symbol key and minute, for the last CACHED_MINUTES minutes (live polls; a catch-up reaching further is computed) */
const minutes = new Map<string, MinuteSoFar>();
let prunedAt = 0;
const CACHED_MINUTES = 5;

/**
 * The 1min row of the minute opening at `ts`, built from its seconds up to `upTo`. Cached and
 * extended, so the fake's CPU (it shares the 2 cores with the collector it measures) stays a
 * few ms a cycle rather than a minute of seconds per symbol per request.
 */
function row(key: number, ts: number, upTo: number) {
  const first = ts / 1000;
  const last = Math.min(first + 59, Math.floor(upTo / 1000));
  const id = `${key}:${ts}`;
  let m = minutes.get(id);
  if (!m || m.last > last) {
    const open = price(key, first - 1);
    m = { last: first - 1, open, high: open, low: open, close: open, volume: 0 };
    if (ts >= prunedAt - CACHED_MINUTES * MINUTE) minutes.set(id, m);
  }
  for (let s = m.last + 1; s <= last; s++) {
    m.close = price(key, s);
    if (m.close > m.high) m.high = m.close;
    if (m.close < m.low) m.low = m.close;
    m.volume += (Math.imul(key ^ s, 0x9e3779b1) >>> 0) % 50;
    m.last = s;
  }
  return { datetime: utcDatetime(ts), open: m.open.toFixed(5), high: m.high.toFixed(5), low: m.low.toFixed(5), close: m.close.toFixed(5), volume: String(m.volume) };
}

function prune(now: number): void {
  const minute = Math.floor(now / MINUTE) * MINUTE;
  if (minute === prunedAt) return;
  prunedAt = minute;
  const oldest = minute - CACHED_MINUTES * MINUTE;
  for (const id of minutes.keys()) if (Number(id.slice(id.indexOf(':') + 1)) < oldest) minutes.delete(id);
}

function series(symbol: string, outputsize: number, now: number) {
  const key = symbolKey(symbol);
  const current = Math.floor(now / MINUTE) * MINUTE;
  const values = [];
  for (let i = 0; i < outputsize; i++) {
    const ts = current - i * MINUTE;
    values.push(row(key, ts, i === 0 ? now : ts + MINUTE - 1));
  }
  return { meta: { ...recordedSeries.meta, symbol, exchange_timezone: 'UTC' }, values, status: 'ok' };
}

let seed = 0x2545f491;
function latencyMs(): number {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return 30 + (seed % 51);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const send = (status: number, body: unknown) =>
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }, latencyMs());
  if (url.searchParams.get('apikey') !== FAKE_API_KEY) {
    return send(401, { code: 401, message: '**apikey** parameter is incorrect or not specified.', status: 'error' });
  }
  if (url.pathname !== '/time_series' || url.searchParams.get('interval') !== '1min') {
    return send(400, { code: 400, message: 'only 1min /time_series is served here', status: 'error' });
  }
  const symbols = (url.searchParams.get('symbol') ?? '').split(',').filter(Boolean);
  const outputsize = Math.min(5_000, Math.max(1, Number(url.searchParams.get('outputsize') ?? 30)));
  const now = Date.now();
  prune(now);
  if (symbols.length === 1) return send(200, series(symbols[0]!, outputsize, now));
  const body: Record<string, unknown> = {};
  for (const s of symbols) body[s] = series(s, outputsize, now);
  return send(200, body);
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`PORT ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
