// Copies slices of the real OHLCV series into packages/core/test-fixtures/ (normalised to
// `ts,open,high,low,close,volume`, ts = bar open time in ms UTC, price strings kept verbatim)
// and writes TA-Lib (C) outputs for them, so core's tests never need TA-Lib or /work/shared.
// Run with the system Node 20: `/usr/bin/node generate.mjs [sourceDir]`.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const talib = require('talib');
const talibPkg = require('talib/package.json');

const here = dirname(fileURLToPath(import.meta.url));
const sourceDir = process.argv[2] ?? '/work/shared/fixtures/ohlcv';
const outDir = join(here, '../../packages/core/test-fixtures');
const MINUTE = 60_000;

/** Offset (ms) of `timeZone` from UTC at instant `ts`. */
function zoneOffset(ts, timeZone) {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const p = Object.fromEntries(fmt.formatToParts(ts).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - ts;
}

/** "YYYY-MM-DD[ HH:MM:SS]" read as local time in `timeZone` → ms UTC. */
function parseLocal(text, timeZone) {
  const [d, t = '00:00:00'] = text.split(' ');
  const [y, mo, da] = d.split('-').map(Number);
  const [h, mi, s] = t.split(':').map(Number);
  const asUtc = Date.UTC(y, mo - 1, da, h, mi, Math.floor(s));
  if (timeZone === 'UTC') return asUtc;
  // Two passes settle the offset except inside a DST gap, which these slices do not contain.
  const first = asUtc - zoneOffset(asUtc, timeZone);
  return asUtc - zoneOffset(first, timeZone);
}

const SLICES = [
  {
    name: 'eurusd-6e-1m',
    file: 'eurusd_fut_6EH4_m1_2024-01.csv',
    from: 0, count: 2000,
    // The 6E file stamps bars at their END, in UTC: the open is one minute earlier.
    ts: (text) => parseLocal(text, 'UTC') - MINUTE,
  },
  {
    name: 'nq-1m',
    file: 'nq_fut_m1_firstrate_2023-11-19_2023-12-04.csv',
    from: 0, count: 2000,
    ts: (text) => parseLocal(text, 'America/New_York'),
  },
  {
    name: 'xauusd-1d',
    file: 'xauusd_d1_mt5_2007-2026.csv',
    from: 0, count: 1000,
    ts: (text) => parseLocal(text, 'UTC'),
  },
];

// Higher-timeframe series resampled here, independently of core's Resampler, from a 1m fixture
// already in the repo: buckets counted in New York wall-clock minutes from the session's open
// (CME: 18:00), so a bucket never spans the 17:00 close. Tests feed the same 1m bars through
// the collector's incremental resampler and engines and compare with TA-Lib over these.
const RESAMPLED = [
  { name: 'nq-5m', from: 'nq-1m-full.csv', minutes: 5, openNy: 18 * 60 },
  { name: 'nq-1h', from: 'nq-1m-full.csv', minutes: 60, openNy: 18 * 60 },
];

const nyClock = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const nyMinutes = (ts) => {
  const [h, m] = nyClock.format(ts).split(':').map(Number);
  return h * 60 + m;
};

function resampled(spec) {
  const lines = readFileSync(join(outDir, spec.from), 'utf8').trim().split('\n').slice(1);
  const buckets = new Map();
  for (const line of lines) {
    const [ts, open, high, low, close, volume] = line.split(',');
    const sinceOpen = (nyMinutes(+ts) - spec.openNy + 1440) % 1440;
    const bucket = +ts - (sinceOpen % spec.minutes) * MINUTE;
    const b = buckets.get(bucket);
    if (!b) buckets.set(bucket, { open, high, low, close, volume: +volume });
    else {
      if (+high > +b.high) b.high = high;
      if (+low < +b.low) b.low = low;
      b.close = close;
      b.volume += +volume;
    }
  }
  const rows = [...buckets].map(([ts, b]) => [ts, b.open, b.high, b.low, b.close, b.volume]);
  const csv = 'ts,open,high,low,close,volume\n' + rows.map((r) => r.join(',')).join('\n') + '\n';
  return { csv, series: rows.map((r) => r.map(Number)) };
}

function slice(spec) {
  const lines = readFileSync(join(sourceDir, spec.file), 'utf8').trim().split('\n').slice(1);
  const rows = lines.slice(spec.from, spec.from + spec.count).map((line) => {
    const [time, open, high, low, close, volume] = line.trim().split(',');
    return [spec.ts(time), open, high, low, close, volume];
  });
  const csv = 'ts,open,high,low,close,volume\n' + rows.map((r) => r.join(',')).join('\n') + '\n';
  return { csv, series: rows.map((r) => r.map(Number)) };
}

function run(name, inputs, opts, outputs) {
  const len = inputs.inReal?.length ?? inputs.close.length;
  const r = talib.execute({ name, startIdx: 0, endIdx: len - 1, ...inputs, ...opts });
  if (r.error) throw new Error(`${name}: ${r.error}`);
  return Object.fromEntries(outputs.map(([key, out]) => [key, { begIndex: r.begIndex, values: r.result[out] }]));
}

function reference(series) {
  const col = (i) => series.map((r) => r[i]);
  const [high, low, close, volume] = [col(2), col(3), col(4), col(5)];
  const open = col(1);
  return {
    ...Object.assign({}, ...[9, 21, 50, 200].map((p) =>
      run('EMA', { inReal: close }, { optInTimePeriod: p }, [[`ema${p}`, 'outReal']]))),
    ...run('RSI', { inReal: close }, { optInTimePeriod: 14 }, [['rsi14', 'outReal']]),
    ...run('ATR', { open, high, low, close }, { optInTimePeriod: 14 }, [['atr14', 'outReal']]),
    ...run('MACD', { inReal: close }, { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 },
      [['macd', 'outMACD'], ['macdSignal', 'outMACDSignal'], ['macdHist', 'outMACDHist']]),
    ...run('BBANDS', { inReal: close }, { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 },
      [['bbUpper', 'outRealUpperBand'], ['bbMiddle', 'outRealMiddleBand'], ['bbLower', 'outRealLowerBand']]),
    ...run('MOM', { inReal: close }, { optInTimePeriod: 10 }, [['mom10', 'outReal']]),
    ...run('SMA', { inReal: volume }, { optInTimePeriod: 20 }, [['volumeSma20', 'outReal']]),
  };
}

mkdirSync(outDir, { recursive: true });
const jobs = [
  ...SLICES.map((spec) => ({ spec, source: spec.file, make: () => slice(spec) })),
  ...RESAMPLED.map((spec) => ({ spec, source: `${spec.from} resampled to ${spec.minutes} min`, make: () => resampled(spec) })),
];
for (const { spec, source, make } of jobs) {
  const { csv, series } = make();
  const csvName = `${spec.name}.csv`;
  writeFileSync(join(outDir, csvName), csv);
  const doc = {
    input: csvName,
    source,
    sha256: createHash('sha256').update(csv).digest('hex'),
    bars: series.length,
    talib: { node: talibPkg.version, c: '0.6.0-dev (bundled with node-talib)' },
    generatedBy: 'tools/talib-ref/generate.mjs',
    outputs: reference(series),
  };
  writeFileSync(join(outDir, `${spec.name}.talib.json`), JSON.stringify(doc) + '\n');
  console.log(`${csvName}: ${series.length} bars, sha256 ${doc.sha256.slice(0, 12)}…`);
}
