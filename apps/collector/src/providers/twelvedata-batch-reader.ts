import type { Bar } from '@marketpipe/core';
import { makeBar, num } from './bars';
import { JsonBytes, NOT_PLAIN, keyBytes, plainDecimal } from './json-bytes';
import { localToUtc } from './localtime';
import { parseSeriesEntry, parseTwelveDataBatch, type BatchOutcome } from './twelvedata-batch-parse';
import type { FetchResult } from './types';

const K = {
  meta: keyBytes('meta'),
  values: keyBytes('values'),
  status: keyBytes('status'),
  ok: keyBytes('ok'),
  symbol: keyBytes('symbol'),
  interval: keyBytes('interval'),
  oneMinute: keyBytes('1min'),
  datetime: keyBytes('datetime'),
  open: keyBytes('open'),
  high: keyBytes('high'),
  low: keyBytes('low'),
  close: keyBytes('close'),
  volume: keyBytes('volume'),
};
/** a row's fields, in the order of its spans */
const FIELDS = [K.datetime, K.open, K.high, K.low, K.close, K.volume] as const;
const DATETIME = 0;
const VOLUME = 5;
/** per row and field: start, end, and 1 when the string had an escape or a byte outside ASCII */
const SPAN = 3;
const ROW = FIELDS.length * SPAN;
const MISSING = -1;

const decoder = new TextDecoder();

/**
 * A batch /time_series reply (see parseTwelveDataBatch) read from its bytes: JSON.parse made
 * ~25 strings and objects per symbol (its `meta`, every price as a string) to keep 6 numbers of
 * each row, and was the largest item of the collector's main thread at 5,000 symbols a second.
 * Each entry in the usual shape — an `ok` 1min series whose prices are plain decimal strings —
 * becomes its bars here; anything else (an error entry, an escape, a number Number() must
 * parse) is given to parseSeriesEntry as JSON.parse makes it, and a body that is not a plain
 * object of entries to parseTwelveDataBatch whole. So the outcome is always what
 * parseTwelveDataBatch(JSON.parse(text)) gives; `undefined` means the body is not JSON.
 */
export function readTwelveDataBatch(body: Uint8Array, asked: ReadonlyMap<string, string>, now: number): Map<string, BatchOutcome> | undefined {
  const j = new JsonBytes(body);
  let entries: Map<string, [number, number]>;
  try {
    entries = entrySpans(j);
  } catch {
    // NOT_PLAIN, or a RangeError from nesting deeper than the stack (JSON.parse has no such limit)
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(body));
    } catch {
      return undefined;
    }
    return parseTwelveDataBatch(json, asked, now);
  }
  const out = new Map<string, BatchOutcome>();
  for (const [providerSymbol, symbol] of asked) {
    const span = entries.get(providerSymbol);
    if (span) {
      out.set(symbol, readSeries(j, span[0], symbol, now) ?? parseSeriesEntry(JSON.parse(decoder.decode(body.subarray(span[0], span[1]))), symbol, now));
      continue;
    }
    // What JSON.parse's object gives for an absent key: undefined, or what it inherits ("toString").
    const inherited = ({} as Record<string, unknown>)[providerSymbol];
    out.set(symbol, inherited === undefined ? missing(providerSymbol) : parseSeriesEntry(inherited, symbol, now));
  }
  return out;
}

const missing = (providerSymbol: string) => parseTwelveDataBatch({}, new Map([[providerSymbol, providerSymbol]]), 0).get(providerSymbol)!;

/**
 * The top-level object's entries, by key, as byte spans (a repeated key: the last, as JSON.parse
 * keeps it). NOT_PLAIN unless it is an object whose values are all objects: the single-series
 * and top-level error shapes, which parseTwelveDataBatch tells apart by a string `status`, are not.
 */
function entrySpans(j: JsonBytes): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  if (j.open(0x7b, 0x7d)) {
    do {
      const start = j.string();
      const key = j.text(start, j.pos - 1, j.special);
      j.expect(0x3a);
      if (j.peek() !== 0x7b) throw NOT_PLAIN;
      const from = j.pos;
      j.skip();
      spans.set(key, [from, j.pos]);
    } while (j.more(0x7d));
  }
  j.end();
  return spans;
}

/** per-thread scratch for row spans, grown as needed */
let rows = new Int32Array(ROW * 8);
/** the last datetimes read and their UTC ms: every symbol of a poll shows the same few minutes */
const seen: { bytes: Uint8Array; ts: number }[] = [];

/** The entry at `start` in the usual shape as its bars (oldest first), or undefined for parseSeriesEntry to read. */
export function readSeries(j: JsonBytes, start: number, symbol: string, now: number): FetchResult | undefined {
  j.pos = start;
  let n: number;
  try {
    n = seriesRows(j);
  } catch {
    return undefined;
  }
  const ctx = { symbol, source: 'twelvedata', now };
  const bars = new Array<Bar>(n);
  for (let r = n - 1, k = 0; r >= 0; r--, k++) {
    const o = r * ROW;
    bars[k] = makeBar(ctx, datetime(j, o), {
      open: price(j, o + 1 * SPAN),
      high: price(j, o + 2 * SPAN),
      low: price(j, o + 3 * SPAN),
      close: price(j, o + 4 * SPAN),
      volume: rows[o + VOLUME * SPAN] === MISSING ? 0 : price(j, o + VOLUME * SPAN),
    });
  }
  return { bars, rejects: [] };
}

/** Reads `{meta, values, status}` into `rows`; the number of rows, or NOT_PLAIN for anything but an ok 1min series of string rows. */
function seriesRows(j: JsonBytes): number {
  let ok = false;
  let meta = false;
  let n = 0;
  if (j.open(0x7b, 0x7d)) {
    do {
      const start = j.string();
      const end = j.pos - 1;
      if (j.special) throw NOT_PLAIN;
      j.expect(0x3a);
      if (j.is(start, end, K.meta)) meta = readMeta(j);
      else if (j.is(start, end, K.values)) n = readRows(j);
      else if (j.is(start, end, K.status)) {
        const s = j.peek() === 0x22 ? j.string() : -1;
        ok = s >= 0 && j.is(s, j.pos - 1, K.ok);
      } else j.skip();
    } while (j.more(0x7d));
  }
  if (!ok || !meta) throw NOT_PLAIN;
  return n;
}

/** true when `symbol` is a string and `interval` is "1min" (other intervals are parseSeriesEntry's to refuse). */
function readMeta(j: JsonBytes): boolean {
  if (j.peek() !== 0x7b) throw NOT_PLAIN;
  let symbol = false;
  let interval = false;
  if (j.open(0x7b, 0x7d)) {
    do {
      const start = j.string();
      const end = j.pos - 1;
      // compared as bytes: a key written with an escape is left to JSON.parse
      if (j.special) throw NOT_PLAIN;
      j.expect(0x3a);
      const isSymbol = j.is(start, end, K.symbol);
      if (!isSymbol && !j.is(start, end, K.interval)) {
        j.skip();
        continue;
      }
      const s = j.peek() === 0x22 ? j.string() : -1;
      if (s < 0) j.skip();
      if (isSymbol) symbol = s >= 0;
      else interval = s >= 0 && j.is(s, j.pos - 1, K.oneMinute);
    } while (j.more(0x7d));
  }
  return symbol && interval;
}

function readRows(j: JsonBytes): number {
  if (j.peek() !== 0x5b) throw NOT_PLAIN;
  let n = 0;
  if (!j.open(0x5b, 0x5d)) return 0;
  do {
    if ((n + 1) * ROW > rows.length) {
      const grown = new Int32Array(rows.length * 2);
      grown.set(rows);
      rows = grown;
    }
    readRow(j, n * ROW);
    n++;
  } while (j.more(0x5d));
  return n;
}

function readRow(j: JsonBytes, o: number): void {
  for (let f = 0; f < FIELDS.length; f++) rows[o + f * SPAN] = MISSING;
  if (j.peek() !== 0x7b) throw NOT_PLAIN;
  if (j.open(0x7b, 0x7d)) {
    do {
      const start = j.string();
      const end = j.pos - 1;
      // compared as bytes: a key written with an escape is left to JSON.parse
      if (j.special) throw NOT_PLAIN;
      j.expect(0x3a);
      const f = field(j, start, end);
      if (f < 0) {
        j.skip();
        continue;
      }
      const s = j.string();
      rows[o + f * SPAN] = s;
      rows[o + f * SPAN + 1] = j.pos - 1;
      rows[o + f * SPAN + 2] = j.special ? 1 : 0;
    } while (j.more(0x7d));
  }
  for (let f = 0; f < VOLUME; f++) if (rows[o + f * SPAN] === MISSING) throw NOT_PLAIN;
}

/** which of FIELDS the key [start, end) is, told by its first byte (-1: another key) */
function field(j: JsonBytes, start: number, end: number): number {
  let f: number;
  switch (j.b[start]) {
    case 0x64: f = DATETIME; break;
    case 0x6f: f = 1; break;
    case 0x68: f = 2; break;
    case 0x6c: f = 3; break;
    case 0x63: f = 4; break;
    case 0x76: f = VOLUME; break;
    default: return -1;
  }
  return j.is(start, end, FIELDS[f]!) ? f : -1;
}

function price(j: JsonBytes, at: number): number {
  const start = rows[at]!;
  const end = rows[at + 1]!;
  const special = rows[at + 2] === 1;
  const v = special ? Number.NaN : plainDecimal(j.b, start, end);
  return v === v ? v : num(j.text(start, end, special));
}

function datetime(j: JsonBytes, o: number): number {
  const start = rows[o + DATETIME * SPAN]!;
  const end = rows[o + DATETIME * SPAN + 1]!;
  for (const s of seen) if (j.is(start, end, s.bytes)) return s.ts;
  const ts = localToUtc(j.text(start, end, rows[o + DATETIME * SPAN + 2] === 1), 'UTC');
  if (seen.length === 4) seen.shift();
  seen.push({ bytes: j.b.slice(start, end), ts });
  return ts;
}
