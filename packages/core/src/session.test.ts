import { describe, expect, it } from 'vitest';
import { isMarketOpen, sessionStart } from './session';

const FX = { timezone: 'America/New_York', open: '17:00', close: '17:00' };
const CME = { timezone: 'America/New_York', open: '18:00', close: '17:00' };
const CASH = { timezone: 'America/New_York', open: '09:30', close: '16:00' };

describe('isMarketOpen', () => {
  it('keeps FX open from Sunday 17:00 to Friday 17:00 New York', () => {
    expect(isMarketOpen(FX, Date.parse('2026-11-22T21:59:00Z'))).toBe(false); // Sun 16:59 EST
    expect(isMarketOpen(FX, Date.parse('2026-11-22T22:00:00Z'))).toBe(true); // Sun 17:00 EST
    expect(isMarketOpen(FX, Date.parse('2026-11-25T12:00:00Z'))).toBe(true); // Wed
    expect(isMarketOpen(FX, Date.parse('2026-11-27T21:59:00Z'))).toBe(true); // Fri 16:59
    expect(isMarketOpen(FX, Date.parse('2026-11-27T22:00:00Z'))).toBe(false); // Fri 17:00
    expect(isMarketOpen(FX, Date.parse('2026-11-28T12:00:00Z'))).toBe(false); // Sat
  });

  it('closes CME index futures for the daily 17:00-18:00 break', () => {
    expect(isMarketOpen(CME, Date.parse('2026-11-25T22:30:00Z'))).toBe(false); // Wed 17:30 EST
    expect(isMarketOpen(CME, Date.parse('2026-11-25T23:00:00Z'))).toBe(true); // Wed 18:00 EST
  });

  it('handles an intraday session and summer time', () => {
    expect(isMarketOpen(CASH, Date.parse('2026-07-01T13:30:00Z'))).toBe(true); // 09:30 EDT
    expect(isMarketOpen(CASH, Date.parse('2026-07-01T13:29:00Z'))).toBe(false);
    expect(isMarketOpen(CASH, Date.parse('2026-07-01T20:00:00Z'))).toBe(false); // 16:00 EDT
  });
});

describe('sessionStart', () => {
  it('anchors to the latest 17:00 New York roll', () => {
    expect(sessionStart(FX, Date.parse('2026-11-25T12:34:56Z'))).toBe(Date.parse('2026-11-24T22:00:00Z'));
    expect(sessionStart(FX, Date.parse('2026-11-25T22:00:00Z'))).toBe(Date.parse('2026-11-25T22:00:00Z'));
    expect(sessionStart(FX, Date.parse('2026-07-01T12:00:00Z'))).toBe(Date.parse('2026-06-30T21:00:00Z'));
  });

  it('stays on 17:00 local across a DST change', () => {
    // US DST ended 2026-11-01 02:00; the roll of Oct 31 was 17:00 EDT = 21:00Z
    expect(sessionStart(FX, Date.parse('2026-11-01T12:00:00Z'))).toBe(Date.parse('2026-10-31T21:00:00Z'));
  });
});
