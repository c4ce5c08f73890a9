import { describe, expect, it } from 'vitest';
import { redisKeys, type Bar } from '@marketpipe/core';
import { BAR_WINDOW, BarSets, TRIM_EVERY } from './bar-sets';
import { RespBuffer } from './resp-buffer';

const MIN = 60_000;
const bar = (minute: number): Bar => ({ symbol: 'EURUSD', interval: '1m', ts: minute * MIN, open: 1, high: 1, low: 1, close: 1, volume: 0, final: true, filled: false, source: 'test' });

/** The command names one upsert encodes, in order. */
function commands(sets: BarSets, bars: Bar[]): string[] {
  const out = new RespBuffer(1 << 12);
  sets.upsert(out, bars);
  const text = new TextDecoder().decode(out.bytes());
  return [...text.matchAll(/\*\d+\r\n\$\d+\r\n([A-Z]+)\r\n/g)].map((m) => m[1]!);
}

/** The same without the trims (a key's first trim comes after a count of its own, 0 to TRIM_EVERY bars). */
const upserts = (sets: BarSets, bars: Bar[]) => commands(sets, bars).filter((c) => c !== 'ZREMRANGEBYRANK');

describe('BarSets', () => {
  it('removes the member at a bar’s ts unless the bar is newer than the newest the book knows', () => {
    const sets = new BarSets(redisKeys('t:'));
    expect(upserts(sets, [bar(10)]), 'a key not known yet').toEqual(['ZREMRANGEBYSCORE', 'ZADD']);
    expect(upserts(sets, [bar(11), bar(12)])).toEqual(['ZADD', 'ZADD']);
    expect(upserts(sets, [bar(12)]), 'a rewrite').toEqual(['ZREMRANGEBYSCORE', 'ZADD']);
  });

  it('keeps the later of what it wrote and what a read found, and knows nothing after forget', () => {
    const sets = new BarSets(redisKeys('t:'));
    upserts(sets, [bar(10)]);
    sets.learn('EURUSD', '1m', 20 * MIN);
    expect(upserts(sets, [bar(15)]), 'another writer added up to minute 20 since').toEqual(['ZREMRANGEBYSCORE', 'ZADD']);
    sets.learn('EURUSD', '1m', 5 * MIN);
    expect(upserts(sets, [bar(18)]), 'a read older than the book changes nothing').toEqual(['ZREMRANGEBYSCORE', 'ZADD']);
    expect(upserts(sets, [bar(21)])).toEqual(['ZADD']);
    sets.forget();
    expect(upserts(sets, [bar(22)])).toEqual(['ZREMRANGEBYSCORE', 'ZADD']);
  });

  it('prepares keys ahead of their first bar: the same bytes as without, the first bar still taking the removal', () => {
    const strings = new Map<string, Uint8Array>();
    const prepared = new BarSets(redisKeys('t:'));
    prepared.prepare(new RespBuffer(16, strings), ['EURUSD', 'XAUUSD'], ['1m', '5m']);
    expect([...strings.keys()].sort()).toEqual(['t:bars:EURUSD:1m', 't:bars:EURUSD:5m', 't:bars:XAUUSD:1m', 't:bars:XAUUSD:5m']);
    const bytes = (sets: BarSets, buffer: RespBuffer) => {
      sets.upsert(buffer, [bar(10), bar(11)]);
      return new TextDecoder().decode(buffer.bytes());
    };
    const written = bytes(prepared, new RespBuffer(16, strings));
    expect(written).toBe(bytes(new BarSets(redisKeys('t:')), new RespBuffer(16)));
    expect(written.match(/ZREMRANGEBYSCORE/g), 'nothing is known of a prepared key').toHaveLength(1);
  });

  it(`trims a key back to ${BAR_WINDOW} bars once every ${TRIM_EVERY} bars added, after the adds`, () => {
    const sets = new BarSets(redisKeys('t:'));
    const all = commands(sets, Array.from({ length: 2 * TRIM_EVERY }, (_, i) => bar(i)));
    expect(all.filter((c) => c === 'ZADD')).toHaveLength(2 * TRIM_EVERY);
    expect(all.filter((c) => c === 'ZREMRANGEBYRANK'), 'the same key, due twice (its count starts below TRIM_EVERY)').toHaveLength(2);
    expect(all.slice(-2)).toEqual(['ZREMRANGEBYRANK', 'ZREMRANGEBYRANK']);
  });
});
