import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBytes, plainDecimal } from '../../src/providers/json-bytes';
import { parseSeriesEntry, parseTwelveDataBatch } from '../../src/providers/twelvedata-batch-parse';
import { readSeries, readTwelveDataBatch } from '../../src/providers/twelvedata-batch-reader';
import { ProviderError } from '../../src/providers/types';
import { recordedText } from '../fakes/recorded';

const NOW = Date.UTC(2026, 11, 4, 19, 33, 20);
const utf8 = new TextEncoder();

/** An outcome as compared: a ProviderError by its code and message, bars as they are. */
function plain(outcome: unknown): unknown {
  return outcome instanceof ProviderError ? { error: outcome.code, message: outcome.message } : outcome;
}

function settle(run: () => Map<string, unknown> | undefined): unknown {
  try {
    const out = run();
    return out === undefined ? 'not JSON' : [...out].map(([symbol, outcome]) => [symbol, plain(outcome)]);
  } catch (error) {
    return { thrown: plain(error) };
  }
}

/** What the fetcher gave before it read bytes: the body as text (as undici's text(): no BOM), JSON.parse, then parseTwelveDataBatch. */
function reference(text: string, asked: ReadonlyMap<string, string>, now = NOW): unknown {
  return settle(() => {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(utf8.encode(text)));
    } catch {
      return undefined;
    }
    return parseTwelveDataBatch(json, asked, now);
  });
}

const read = (bytes: Uint8Array, asked: ReadonlyMap<string, string>, now = NOW) => settle(() => readTwelveDataBatch(bytes, asked, now));
const askedOf = (...symbols: string[]) => new Map(symbols.map((s) => [s, `${s}.canon`]));

/** The recorded batch moved to 1min (its shape, spacing, meta and prices kept), at two minutes. */
function recordedOneMinute(): string {
  return recordedText('twelvedata/batch-time-series-AAPL-MSFT-1day.json')
    .replaceAll('"1day"', '"1min"')
    .replace(/"2024-11-22"/g, (_, i: number) => (i % 2 === 0 ? '"2026-12-04 19:33:00"' : '"2026-12-04 19:32:00"'));
}

describe('readTwelveDataBatch gives what JSON.parse and parseTwelveDataBatch give', () => {
  const cases: [string, string, Map<string, string>][] = [
    ['the recorded 1day batch (wrong interval)', recordedText('twelvedata/batch-time-series-AAPL-MSFT-1day.json'), askedOf('AAPL', 'MSFT')],
    ['the recorded batch moved to 1min, as recorded (indented)', recordedOneMinute(), askedOf('AAPL', 'MSFT')],
    ['the same, compact', JSON.stringify(JSON.parse(recordedOneMinute())), askedOf('MSFT', 'AAPL', 'GONE')],
    ['the recorded batch with a 400 entry', recordedText('twelvedata/batch-time-series-with-400-symbol-not-found.json'), askedOf('AAPL', 'INVALID', 'toString')],
    ['the recorded 429 at the top level', recordedText('twelvedata/error-429-minute-credits.json'), askedOf('AAPL', 'MSFT')],
    ['a recorded single series answering a batch of one', recordedText('twelvedata/time-series-AAPL-1min.json'), askedOf('AAPL')],
    ['a recorded single series answering a batch of two', recordedText('twelvedata/time-series-AAPL-1min.json'), askedOf('AAPL', 'MSFT')],
    ['a byte-order mark before the body', `\uFEFF${recordedOneMinute()}`, askedOf('AAPL')],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>', askedOf('AAPL')],
    ['an empty body', '', askedOf('AAPL')],
    ['trailing garbage', `${recordedOneMinute()} x`, askedOf('AAPL')],
  ];
  for (const [name, text, asked] of cases) {
    it(name, () => {
      expect(read(utf8.encode(text), asked)).toEqual(reference(text, asked));
    });
  }

  it('reads entries in the usual shape without JSON.parse: the recorded one, indented and compact', () => {
    const entry = (JSON.parse(recordedOneMinute()) as Record<string, unknown>).MSFT;
    for (const text of [JSON.stringify(entry), JSON.stringify(entry, null, 4)]) {
      const bytes = utf8.encode(text);
      const fast = readSeries(new JsonBytes(bytes), 0, 'MSFT.canon', NOW);
      expect(fast).toBeDefined();
      expect(fast).toEqual(parseSeriesEntry(entry, 'MSFT.canon', NOW));
      expect(fast!.bars).toHaveLength(1);
      expect(fast!.bars[0]).toMatchObject({ open: 412.18, high: 415.63, low: 411.36, close: 414.17, volume: 18_934_500 });
    }
  });

  it('leaves an entry it cannot take as it stands to JSON.parse (an escaped key, a price Number() must read)', () => {
    for (const text of [
      '{"meta":{"symbol":"X","interval":"1min"},"values":[{"d\\u0061tetime":"2026-12-04 19:33:00","datetime":"x","open":"1","high":"1","low":"1","close":"1"}],"status":"ok"}',
      '{"meta":{"symbol":"X","interval":"1min"},"values":[{"datetime":"2026-12-04 19:33:00","open":"1e2","high":"1","low":"1","close":"1"}],"status":"ok"}',
    ]) {
      const bytes = utf8.encode(text);
      const fast = readSeries(new JsonBytes(bytes), 0, 'X', NOW);
      const whole = read(utf8.encode(`{"X":${text}}`), askedOf('X'));
      expect(whole).toEqual(reference(`{"X":${text}}`, askedOf('X')));
      if (fast) expect(fast).toEqual(parseSeriesEntry(JSON.parse(text), 'X', NOW));
    }
  });
});

describe('plainDecimal', () => {
  it('is Number() for plain decimals of up to 15 digits, and NaN (not plain) for anything else', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 14 }), (x, digits) => {
        const s = x.toFixed(digits);
        const bytes = utf8.encode(s);
        const v = plainDecimal(bytes, 0, bytes.length);
        if (s.replace(/[-.]/g, '').length <= 15) expect(Object.is(v, Number(s))).toBe(true);
        else expect(v).toBeNaN();
      }),
      { numRuns: 5_000 },
    );
    for (const s of ['', '-', '.5', '5.', '1e3', ' 1', '+1', '0x10', '1.2.3', '1234567890123456']) expect(plainDecimal(utf8.encode(s), 0, s.length)).toBeNaN();
    expect(Object.is(plainDecimal(utf8.encode('-0.000'), 0, 6), -0)).toBe(true);
    expect(plainDecimal(utf8.encode('007.50'), 0, 6)).toBe(7.5);
  });
});

/** JSON text of a value whose objects are lists of [key, value] (so keys can repeat and keep an order), written in varied ways. */
type Tree = string | number | boolean | null | Tree[] | { pairs: [string, Tree][] };

const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

function write(t: Tree, style: { space: string; seed: number }): string {
  const sp = style.space;
  if (typeof t === 'string') {
    const body = JSON.stringify(t).slice(1, -1);
    // escape one character of about one string in eight the long way, as JSON allows
    style.seed = (Math.imul(style.seed, 1_103_515_245) + 12_345) >>> 0;
    if (t.length > 0 && body === t && style.seed % 8 === 0) {
      const i = (style.seed >>> 8) % t.length;
      return `"${t.slice(0, i)}${escapeChar(t[i]!)}${t.slice(i + 1)}"`;
    }
    return `"${body}"`;
  }
  if (t === null || typeof t !== 'object') return JSON.stringify(t);
  if (Array.isArray(t)) return `[${sp}${t.map((x) => write(x, style)).join(`,${sp}`)}${sp}]`;
  return `{${sp}${t.pairs.map(([k, v]) => `${write(k, style)}${sp}:${sp}${write(v, style)}`).join(`,${sp}`)}${sp}}`;
}

const obj = (...pairs: [string, Tree][]): Tree => ({ pairs });
/** mostly `usual`, now and then one of `odd`: the usual shape must reach the byte reader, the odd ones the fallback */
const mostly = <T,>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>, oddInOne = 20) =>
  fc.oneof({ weight: oddInOne - 1, arbitrary: usual }, { weight: 1, arbitrary: odd });
const rarely = <T,>(arb: fc.Arbitrary<T>, inOne = 20) => mostly(fc.constant(undefined), arb, inOne);

const priceText = mostly(
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 8 })).map(([x, d]) => x.toFixed(d)),
  fc.constantFrom('', '-', ' 1.5 ', '1e3', '0x10', '1.', '.5', '12345678901234567.5', '-0.0', 'NaN', 'Infinity', '١٢', '+3'),
  15,
);
const price: fc.Arbitrary<Tree> = mostly<Tree>(priceText, fc.constantFrom<Tree>(1.5, null, true, [], obj()), 40);
const datetime: fc.Arbitrary<Tree> = mostly<Tree>(
  fc.constantFrom('2026-12-04 19:33:00', '2026-12-04 19:32:00'),
  fc.constantFrom<Tree>('2024-11-22', '2026-12-04T19:33:00', 'bad', '2026-13-45 25:61:00', 5),
);
const FIELD_NAMES = ['datetime', 'open', 'high', 'low', 'close', 'volume'];
const row: fc.Arbitrary<Tree> = fc
  .tuple(datetime, price, price, price, price, mostly(price, fc.constant(undefined), 5), fc.boolean(), fc.boolean(), rarely(fc.nat(5), 15), rarely(fc.tuple(fc.nat(5), price), 15))
  .map(([dt, o, h, l, c, v, extra, shuffle, drop, again]) => {
    const pairs: [string, Tree][] = [['datetime', dt], ['open', o], ['high', h], ['low', l], ['close', c]];
    if (v !== undefined) pairs.push(['volume', v]);
    if (extra) pairs.push(['note', obj(['n', [1, -2.5e-3, 'x', false, null]])]);
    if (drop !== undefined) pairs.splice(drop, 1);
    // a field given twice: JSON.parse keeps the last
    if (again !== undefined) pairs.push([FIELD_NAMES[again[0]]!, again[1]]);
    return { pairs: shuffle ? pairs.reverse() : pairs };
  });
const meta: fc.Arbitrary<Tree> = fc
  .tuple(mostly<Tree>(fc.constant('1min'), fc.constantFrom<Tree>('1day', 1, null)), mostly<Tree>(fc.constantFrom('AAPL', 'TS00001'), fc.constantFrom<Tree>(7, null)), fc.boolean())
  .map(([interval, symbol, more]) =>
    more ? obj(['symbol', symbol], ['interval', interval], ['currency', 'USD'], ['exchange_timezone', 'UTC'], ['type', 'Common Stock']) : obj(['interval', interval], ['symbol', symbol]),
  );
const series: fc.Arbitrary<Tree> = fc
  .tuple(meta, fc.array(row, { maxLength: 3 }), mostly<Tree>(fc.constant('ok'), fc.constantFrom<Tree>('error', 1)), rarely(fc.array(row, { maxLength: 2 })), mostly(fc.constant(true), fc.constant(false)))
  .map(([m, rows, status, rowsAgain, withValues]) => {
    const e = obj(['meta', m], ['status', status]) as { pairs: [string, Tree][] };
    if (withValues) e.pairs.splice(1, 0, ['values', rows]);
    if (rowsAgain !== undefined) e.pairs.push(['values', rowsAgain]);
    return e;
  });
const entry: fc.Arbitrary<Tree> = mostly(
  series,
  fc.constantFrom<Tree>(obj(['code', 400], ['message', '**symbol** not found: X'], ['status', 'error']), obj(['meta', obj(['symbol', 'A'], ['interval', '1min'])], ['status', 'ok']), obj(), null, 'x', [obj()]),
);
const KEYS = ['AAPL', 'MSFT', 'TS00001', 'status', '__proto__', 'toString', 'é'];
const batch: fc.Arbitrary<Tree> = fc.array(fc.tuple(fc.constantFrom(...KEYS), entry), { maxLength: 5 }).map((pairs) => ({ pairs }));

describe('readTwelveDataBatch against JSON.parse, on generated replies', () => {
  it('agrees on every reply, in every spacing, with escapes and with damage', () => {
    fc.assert(
      fc.property(
        batch,
        fc.constantFrom('', ' ', '\n  ', '\t'),
        fc.nat(),
        rarely(fc.tuple(fc.nat(), fc.constantFrom('', '"', '}', ',', 'x', '\u0001', '\\')), 5),
        fc.subarray(KEYS, { minLength: 1 }),
        (tree, space, seed, damage, asked) => {
          let text = write(tree, { space, seed });
          if (damage) {
            const at = damage[0] % (text.length + 1);
            text = text.slice(0, at) + damage[1] + text.slice(at + (damage[1] === '' ? 1 : 0));
          }
          const names = askedOf(...asked);
          expect(read(utf8.encode(text), names)).toEqual(reference(text, names));
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
