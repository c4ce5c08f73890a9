import { describe, expect, it } from 'vitest';
import nqCsv from '../test-fixtures/nq-1m-full.csv?raw';
import nq5mCsv from '../test-fixtures/nq-5m.csv?raw';
import nq5mRef from '../test-fixtures/nq-5m.talib.json?raw';
import nq1hCsv from '../test-fixtures/nq-1h.csv?raw';
import nq1hRef from '../test-fixtures/nq-1h.talib.json?raw';
import { FeatureEngine } from './features/feature-engine';
import { aligned, closeTo, type RefKey, type TalibReference } from './indicators/testing/fixtures';
import { Resampler } from './resample';
import type { SessionSpec } from './session';
import { INTERVAL_MS, type Bar, type Features, type Interval } from './types';

const CME: SessionSpec = { timezone: 'America/New_York', open: '18:00', close: '17:00' };
const MIN = 60_000;

const parse = (csv: string, interval: Interval): Bar[] =>
  csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [ts, open, high, low, close, volume] = line.split(',').map(Number) as [number, number, number, number, number, number];
      return { symbol: 'NAS100', interval, ts, open, high, low, close, volume, source: 'firstrate', final: true, filled: false };
    });
const nq = parse(nqCsv, '1m');

/** New York wall clock of an instant, straight from Intl (the reference knows nothing of core's session code). */
const nyParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
});
function ny(ts: number) {
  const p = Object.fromEntries(nyParts.formatToParts(ts).map((x) => [x.type, Number(x.value)]));
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute! };
}
const nyMinutes = (ts: number) => ny(ts).h * 60 + ny(ts).mi;

/** The instant New York's clock reads y-mo-d h:mi (two passes settle the offset; no bar sits in a DST gap). */
function fromNy(y: number, mo: number, d: number, h: number, mi: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let ts = wall;
  for (let i = 0; i < 2; i++) {
    const p = ny(ts);
    ts += wall - Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi);
  }
  return ts;
}

/**
 * The real NQ minutes moved four weeks earlier on New York's clock (same weekday, same local
 * time, as the exchange would have stamped them): 22 Oct – 6 Nov 2023, across the end of DST
 * on Sunday 5 Nov. Prices and volumes are the real ones.
 */
const nqAcrossDst: Bar[] = nq.map((b) => {
  const p = ny(b.ts);
  return { ...b, ts: fromNy(p.y, p.mo, p.d - 28, p.h, p.mi) };
});

/** Reference bucket: whole minutes since the 18:00 open on New York's clock, cut at the 17:00 close (23 h later). */
function referenceBucket(ts: number, ms: number): number {
  const sinceOpen = (nyMinutes(ts) - 18 * 60 + 1440) % 1440;
  return ts - sinceOpen * MIN + Math.floor((sinceOpen * MIN) / ms) * ms;
}

function aggregate(bars: Bar[], ts: number, interval: Interval): Bar {
  return {
    symbol: bars[0]!.symbol, interval, ts, open: bars[0]!.open,
    high: Math.max(...bars.map((b) => b.high)), low: Math.min(...bars.map((b) => b.low)), close: bars.at(-1)!.close,
    volume: bars.reduce((n, b) => n + b.volume, 0), source: bars.at(-1)!.source, final: true, filled: bars.every((b) => b.filled),
  };
}

describe('Resampler on real NQ minutes across the end of DST (5 Nov 2023) and every session boundary', () => {
  it('the re-stamped series really crosses DST: sessions open 22:00 UTC before it, 23:00 UTC after', () => {
    const opens = nqAcrossDst.filter((b, i) => i > 0 && b.ts - nqAcrossDst[i - 1]!.ts > 30 * MIN).map((b) => new Date(b.ts).getUTCHours());
    expect(opens).toContain(22);
    expect(opens.at(-1)).toBe(23);
  });

  it.each(['5m', '15m', '30m', '1h', '4h', '1d'] as const)('%s bars equal the aggregate of their 1m bars, grouped within sessions on New York’s clock', (interval) => {
    const groups = new Map<number, Bar[]>();
    for (const b of nqAcrossDst) {
      const key = referenceBucket(b.ts, INTERVAL_MS[interval]);
      groups.set(key, [...(groups.get(key) ?? []), b]);
    }
    const expected = [...groups].map(([ts, bars]) => aggregate(bars, ts, interval));
    const got = Resampler.series(nqAcrossDst, { interval, session: CME });
    expect(got.length).toBe(expected.length);
    expect(got.slice(0, -1)).toEqual(expected.slice(0, -1));
    expect(got.at(-1)).toEqual({ ...expected.at(-1), final: got.at(-1)!.final });
    // Bars open on the session's grid in New York time on both sides of the change (4h: cut short by the close).
    const grid = { '5m': 5, '15m': 15, '30m': 30, '1h': 60, '4h': 240, '1d': 1440 }[interval];
    for (const bar of got) expect(((nyMinutes(bar.ts) - 18 * 60 + 1440) % 1440) % grid, new Date(bar.ts).toISOString()).toBe(0);
    if (interval === '4h') expect(new Set(got.map((b) => nyMinutes(b.ts) / 60))).toEqual(new Set([18, 22, 2, 6, 10, 14]));
  });
});

const TALIB: [RefKey, (f: Features) => number | null, 'price' | 'exact'][] = [
  ['ema9', (f) => f.ema['9']!, 'exact'], ['ema21', (f) => f.ema['21']!, 'exact'], ['ema50', (f) => f.ema['50']!, 'exact'],
  ['ema200', (f) => f.ema['200']!, 'exact'], ['rsi14', (f) => f.rsi, 'exact'], ['atr14', (f) => f.atr, 'price'],
  ['macd', (f) => f.macd.macd, 'price'], ['macdSignal', (f) => f.macd.signal, 'price'], ['macdHist', (f) => f.macd.histogram, 'price'],
  ['bbUpper', (f) => f.bb.upper, 'exact'], ['bbMiddle', (f) => f.bb.middle, 'exact'], ['bbLower', (f) => f.bb.lower, 'exact'],
  ['mom10', (f) => f.momentum, 'price'], ['volumeSma20', (f) => f.volumeMa, 'exact'],
];

describe.each([
  { interval: '5m' as const, csv: nq5mCsv, ref: JSON.parse(nq5mRef) as TalibReference },
  { interval: '1h' as const, csv: nq1hCsv, ref: JSON.parse(nq1hRef) as TalibReference },
])('$interval features streamed from real NQ 1m bars', ({ interval, csv, ref }) => {
  // Live order: every minute is shown forming (twice, with other prices) before it is final.
  const resampler = new Resampler({ interval, session: CME });
  const engine = new FeatureEngine({ session: CME });
  const finals: Bar[] = [];
  const atFinal: Features[] = [];
  const feed = (bar: Bar) => {
    // A forming minute of a later bucket completes the one before when its last minute is missing.
    const u = resampler.update(bar);
    if (u.completed) {
      engine.update(u.completed, { final: true });
      finals.push(u.completed);
      atFinal.push(engine.features(0));
    }
    if (u.current) engine.update(u.current, { final: false });
  };
  for (const bar of nq) {
    for (const k of [3, -2]) feed({ ...bar, close: bar.close + k, high: Math.max(bar.high, bar.close + k), low: Math.min(bar.low, bar.close + k), final: false });
    feed(bar);
  }
  const scale = nq.reduce((a, b) => a + b.close, 0) / nq.length;

  it('the resampled bars are the TA-Lib input bars (the generator resampled independently)', () => {
    const want = parse(csv, interval);
    expect(ref.bars).toBe(want.length);
    // Only the last bucket may still be open (not final) when the series ends.
    expect(finals.length).toBeGreaterThanOrEqual(want.length - 1);
    expect(finals).toEqual(want.slice(0, finals.length));
  });

  it.each(TALIB)('%s equals TA-Lib over the resampled series to 1e-9', (key, read, kind) => {
    const want = aligned(ref, key);
    const bad = atFinal.findIndex((f, i) => !closeTo(read(f), want[i] ?? null, kind === 'price' ? scale * 1e-4 : 0));
    expect(bad, bad < 0 ? '' : `first mismatch at ${bad}: ${read(atFinal[bad]!)} vs ${want[bad]}`).toBe(-1);
    expect(atFinal.filter((f) => read(f) !== null).length, 'compared real values, not only nulls').toBeGreaterThan(20);
  });
});
