import { describe, expect, it } from 'vitest';
import { fetchAgainstFakes } from './fetch-kit';

const kit = fetchAgainstFakes();
const { run } = kit;

describe('marketpipe fetch', () => {
  it('prints one docs/architecture.md §2 bar per line with --json', async () => {
    const { code, stdout } = await run(['--provider', 'polygon', '--symbol', 'EURUSD', '--json']);
    expect(code).toBe(0);
    const bars = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(bars.length).toBeGreaterThan(1);
    expect(Object.keys(bars[0]!).sort()).toEqual(['close', 'filled', 'final', 'high', 'interval', 'low', 'open', 'source', 'symbol', 'ts', 'volume']);
    expect(bars[0]).toMatchObject({ symbol: 'EURUSD', source: 'polygon', interval: '1m' });
  });

  it('prints a table, and rejects with reason codes on stderr', async () => {
    expect((await run(['--provider', 'yahoo', '--symbol', 'NOPE'])).code, 'unknown symbol').toBe(2);
    const { code, stdout, stderr } = await run(['--provider', 'yahoo', '--symbol', 'US100.cash']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^ts \(UTC\)\s+open\s+high\s+low\s+close\s+volume\s+final$/);
    expect(stderr).toBe('');
    kit.fakes.setFault('yahoo', 'bad_prices', 1);
    const bad = await run(['--provider', 'yahoo', '--symbol', 'EURUSD']);
    expect(bad.stderr).toMatch(/^reject non_finite EURUSD/m);
    expect(bad.stderr).toMatch(/^reject non_positive_price EURUSD/m);
  });

  it('exits 1 on a provider failure and 2 on bad usage, keys never printed', async () => {
    kit.fakes.setFault('twelvedata', 'rate_limit_body', 1);
    const limited = await run(['--provider', 'twelvedata', '--symbol', 'EURUSD']);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/^reject rate_limited EURUSD/);
    expect(limited.stderr).not.toContain(kit.fakes.keys.twelvedata);
    expect((await run(['--provider', 'yahoo'])).code).toBe(2);
    expect((await run(['--provider', 'polygon', '--symbol', 'EURUSD'], { POLYGON_API_KEY: '' })).code).toBe(2);
    expect((await run(['--symbol', 'EURUSD', '--bogus'])).code).toBe(2);
  });

  it('fetches from the sim feed too, one Bar per line with --json', async () => {
    const { code, stdout } = await run(['--provider', 'sim', '--symbol', 'XAUUSD', '--json']);
    expect(code).toBe(0);
    const bars = stdout.trim().split('\n').map((l) => JSON.parse(l) as { source: string; close: number; final: boolean });
    expect(bars.length).toBeGreaterThan(1_000);
    expect(bars.every((b) => b.source === 'sim' && b.close > 1_000)).toBe(true);
    expect(bars.at(-1)?.final).toBe(false);
  });
});
