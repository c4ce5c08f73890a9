import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, ScaledClock, validateBars } from '@marketpipe/core';
import { SimFetcher } from './sim-fetcher';

const NOW = Date.UTC(2026, 10, 25, 15, 30, 42);
const fixed = { now: () => NOW };
const spec = (symbol: string) => DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === symbol)!;
const DAY = { from: NOW - 86_400_000, to: NOW };

describe('SimFetcher', () => {
  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await new SimFetcher({ seed: 7, clock: fixed }).fetchBars(spec('EURUSD'), DAY);
    const b = await new SimFetcher({ seed: 7, clock: fixed }).fetchBars(spec('EURUSD'), DAY);
    const c = await new SimFetcher({ seed: 8, clock: fixed }).fetchBars(spec('EURUSD'), DAY);
    expect(a).toEqual(b);
    expect(c.bars.map((x) => x.close)).not.toEqual(a.bars.map((x) => x.close));
  });

  it.each([
    ['EURUSD', 1.08, 5],
    ['XAUUSD', 2400, 2],
    ['NAS100', 20000, 2],
  ] as const)('serves a day of sound %s bars near %d, rounded to %d decimals, with volume', (symbol, level, precision) => {
    const bars = new SimFetcher({ seed: 42, clock: fixed }).barsSync(spec(symbol), DAY);
    expect(bars).toHaveLength(1_440);
    expect(validateBars(bars, { now: NOW }).rejects).toEqual([]);
    for (const b of bars) {
      expect(b.source).toBe('sim');
      expect(Math.abs(b.close / level - 1)).toBeLessThan(0.1);
      expect(Number((b.close * 10 ** precision).toFixed(6)) % 1).toBe(0);
    }
    expect(bars.reduce((v, b) => v + b.volume, 0)).toBeGreaterThan(0);
    expect(bars.slice(0, -1).every((b) => b.final)).toBe(true);
    expect(bars.at(-1)!.final).toBe(false);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.open, 'each bar opens at the previous close').toBe(bars[i - 1]!.close);
  });

  it('gives the same finished bar live and from history, and a forming bar that grows into it', () => {
    let now = NOW;
    const sim = new SimFetcher({ seed: 42, clock: { now: () => now } });
    const minute = NOW - (NOW % 60_000);
    const forming = sim.barsSync(spec('XAUUSD'), { from: minute, to: now })[0]!;
    now = minute + 60_000 + 5_000;
    const finished = sim.barsSync(spec('XAUUSD'), { from: minute, to: minute })[0]!;
    expect(forming.final).toBe(false);
    expect(finished.final).toBe(true);
    expect(forming.open).toBe(finished.open);
    expect(finished.high).toBeGreaterThanOrEqual(forming.high);
    expect(finished.low).toBeLessThanOrEqual(forming.low);
    expect(finished.volume).toBeGreaterThanOrEqual(forming.volume);
  });

  it('runs on a sped-up clock: a minute of simulated time passes in a fraction of a second', () => {
    let wall = 1_000;
    const clock = new ScaledClock(NOW, 600, () => wall);
    const sim = new SimFetcher({ seed: 1, clock });
    const before = sim.barsSync(spec('EURUSD'), { from: NOW - 120_000, to: clock.now() });
    wall += 200; // 200 ms of wall time = 2 simulated minutes
    const after = sim.barsSync(spec('EURUSD'), { from: NOW - 120_000, to: clock.now() });
    expect(after.length - before.length).toBe(2);
  });
});
