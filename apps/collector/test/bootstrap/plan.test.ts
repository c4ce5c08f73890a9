import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOL_SPECS, type ProviderName } from '@marketpipe/core';
import { planBootstrap, type Coverage, type PlanInput } from '../../src/bootstrap/plan';
import { describePlan } from '../../src/bootstrap/bootstrap';
import { quotaLimits } from '../../src/providers/limits';
import { loadConfig } from '../../src/config';

const MINUTE = 60_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12, 0);
const TO = NOW - MINUTE;
const FROM = NOW - 90 * DAY;
const EURUSD = DEFAULT_SYMBOL_SPECS.find((s) => s.symbol === 'EURUSD')!;
const limits = quotaLimits(loadConfig({}));
const everywhere = (name: ProviderName) => ({ name, supports: () => true });

function plan(providers: ProviderName[], coverage: Coverage[] = [], extra: Partial<PlanInput> = {}) {
  return planBootstrap({ specs: [EURUSD], providers: providers.map(everywhere), limits, coverage, from: FROM, to: TO, now: NOW, ...extra });
}

describe('the bootstrap planner', () => {
  it('with Yahoo alone: 1m for 30 days in 7-day requests, 5m to 60 days, 1h beyond', () => {
    const tasks = plan(['yahoo']).tasks.get('EURUSD')!;
    const by = (iv: string) => tasks.filter((t) => t.interval === iv);
    expect(by('1m').length).toBe(5);
    expect(by('1m').every((t) => t.to - t.from < 7 * DAY && t.from >= NOW - 30 * DAY)).toBe(true);
    expect(by('5m')).toHaveLength(1);
    expect(by('5m')[0]).toMatchObject({ from: NOW - 60 * DAY, to: NOW - 30 * DAY - 5 * MINUTE });
    expect(by('1h')).toHaveLength(1);
    expect(by('1h')[0]).toMatchObject({ from: FROM, to: NOW - 60 * DAY - 60 * MINUTE });
    // contiguous, oldest first, nothing covered twice
    const minutes = by('1m');
    for (let i = 1; i < minutes.length; i++) expect(minutes[i]!.from).toBe(minutes[i - 1]!.to + MINUTE);
    expect(minutes.at(-1)!.to).toBe(TO);
  });

  it('prefers 1m from a keyed provider, and among those the one whose quota delivers soonest', () => {
    const keyed = plan(['twelvedata', 'polygon']);
    // 90 days of minutes in 50,000-aggregate requests (5 a minute) beat 5,000-bar ones (8 a minute)
    expect(keyed.requests).toEqual({ polygon: Math.ceil((90 * DAY) / (50_000 * MINUTE)) });
    expect(keyed.estimatedMs).toBe(60_000);
    // Yahoo's 120 a minute deliver its 30 days of 1m soonest; Polygon has the older minutes
    const p = plan(['yahoo', 'twelvedata', 'polygon']);
    const tasks = p.tasks.get('EURUSD')!;
    expect(tasks.every((t) => t.interval === '1m')).toBe(true);
    expect(tasks.filter((t) => t.provider === 'yahoo').every((t) => t.from >= NOW - 30 * DAY)).toBe(true);
    expect(p.requests).toEqual({ polygon: 2, yahoo: 5 });
    const td = plan(['twelvedata']);
    expect(td.requests.twelvedata).toBe(Math.ceil((90 * 1440) / 5_000));
    expect(td.estimatedMs).toBe(Math.ceil(26 / 8) * 60_000);
  });

  it('plans around what is covered, walking down from a held range so each chunk extends it', () => {
    const held: Coverage = { symbol: 'EURUSD', interval: '1m', from: NOW - 10 * DAY, to: TO, source: 'twelvedata', bars: 0, requests: 0 };
    const tasks = plan(['twelvedata'], [held]).tasks.get('EURUSD')!;
    expect(tasks[0]!.to).toBe(held.from - MINUTE);
    for (let i = 1; i < tasks.length; i++) expect(tasks[i]!.to).toBe(tasks[i - 1]!.from - MINUTE);
    expect(tasks.at(-1)!.from).toBe(FROM);
    expect(plan(['twelvedata'], [{ ...held, from: FROM }]).tasks.get('EURUSD')).toEqual([]);
  });

  it('plans Alpha Vantage by calendar month, and counts days for a day quota', () => {
    const tasks = plan(['alphavantage']).tasks.get('EURUSD')!;
    expect(tasks.length).toBe(4);
    for (const t of tasks.slice(0, -1)) expect(new Date(t.to + MINUTE).getUTCDate()).toBe(1);
    const many = planBootstrap({ specs: DEFAULT_SYMBOL_SPECS, providers: [everywhere('alphavantage')], limits, coverage: [], from: FROM, to: TO, now: NOW });
    expect(many.requests.alphavantage).toBe(12);
    // 3 symbols × 24 months at 25 a day: three days
    const wide = planBootstrap({ specs: DEFAULT_SYMBOL_SPECS, providers: [everywhere('alphavantage')], limits, coverage: [], from: NOW - 700 * DAY, to: TO, now: NOW });
    expect(wide.requests.alphavantage).toBe(72);
    expect(wide.estimatedMs).toBeGreaterThan(2 * DAY);
    expect(describePlan(wide, NOW - 700 * DAY, TO)).toMatch(/take hours/);
  });

  it('says which part of the window nobody serves', () => {
    const p = plan(['twelvedata'], [], { specs: [{ ...EURUSD, providers: { yahoo: 'EURUSD=X' } }], providers: [{ name: 'twelvedata', supports: (s) => s.providers.twelvedata !== undefined }] });
    expect(p.unreachable).toEqual([{ symbol: 'EURUSD', from: FROM, to: TO }]);
    expect(p.tasks.get('EURUSD')).toEqual([]);
  });
});
