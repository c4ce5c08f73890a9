import { describe, expect, it } from 'vitest';
import { INTERVALS, isInterval, redisKeys } from './keys';

describe('redisKeys per interval', () => {
  const keys = redisKeys('md:v1:');

  it('keeps the unsuffixed 1m keys the collector and API have always used', () => {
    expect([keys.formingOf('1m'), keys.featuresOf('1m'), keys.signalsOf('1m'), keys.stateOf('1m')]).toEqual([
      'md:v1:forming',
      'md:v1:feat',
      'md:v1:sig',
      'md:v1:state',
    ]);
    expect([keys.forming, keys.features, keys.signals, keys.state]).toEqual(['md:v1:forming', 'md:v1:feat', 'md:v1:sig', 'md:v1:state']);
    expect(keys.bars('EURUSD')).toBe('md:v1:bars:EURUSD:1m');
  });

  it.each(INTERVALS.filter((iv) => iv !== '1m'))('suffixes the %s keys with the interval', (iv) => {
    expect(keys.formingOf(iv)).toBe(`md:v1:forming:${iv}`);
    expect(keys.featuresOf(iv)).toBe(`md:v1:feat:${iv}`);
    expect(keys.signalsOf(iv)).toBe(`md:v1:sig:${iv}`);
    expect(keys.stateOf(iv)).toBe(`md:v1:state:${iv}`);
    expect(keys.bars('NAS100', iv)).toBe(`md:v1:bars:NAS100:${iv}`);
  });

  it('the prefix isolates every per-interval key', () => {
    const t = redisKeys('test:42:');
    expect(t.formingOf('5m')).toBe('test:42:forming:5m');
    expect(t.signalsOf('1m')).toBe('test:42:sig');
  });

  it('recognises exactly the intervals the pipeline keeps', () => {
    expect(INTERVALS.filter(isInterval)).toEqual(INTERVALS);
    for (const bad of ['2m', '1H', '', '1w', 5, null]) expect(isInterval(bad)).toBe(false);
  });
});
