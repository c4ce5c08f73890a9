import { expect, test, vi } from 'vitest';
import { sessionStart } from '../session';
import type { SessionSpec } from '../session';
import type * as SessionModule from '../session';
import { createSessionAnchor } from './session-anchor';

const SESSIONS: [string, SessionSpec][] = [
  ['FX 17:00 New York', { timezone: 'America/New_York', open: '17:00', close: '17:00' }],
  ['CME 18:00 New York', { timezone: 'America/New_York', open: '18:00', close: '17:00' }],
  ['Xetra 09:00 Berlin', { timezone: 'Europe/Berlin', open: '09:00', close: '17:30' }],
  ['UTC midnight', { timezone: 'UTC', open: '00:00', close: '00:00' }],
];

test.each(SESSIONS)('agrees with sessionStart every 7 minutes through 2024 and its DST changes (%s)', (_, session) => {
  const anchor = createSessionAnchor(session);
  const from = Date.UTC(2024, 0, 1);
  const to = Date.UTC(2025, 0, 1);
  for (let ts = from; ts < to; ts += 7 * 60_000) {
    const want = sessionStart(session, ts);
    if (anchor(ts) !== want) expect(anchor(ts), new Date(ts).toISOString()).toBe(want);
  }
});

test('answers for times out of order too', () => {
  const session = SESSIONS[0]![1];
  const anchor = createSessionAnchor(session);
  for (const ts of [Date.UTC(2024, 5, 3, 12), Date.UTC(2024, 0, 9, 22), Date.UTC(2024, 5, 3, 20, 59)]) {
    expect(anchor(ts)).toBe(sessionStart(session, ts));
  }
});

test('anchors and resamplers of one session share its spans: a new day is looked up once, not once per engine', async () => {
  vi.resetModules();
  const calls: number[] = [];
  vi.doMock('../session', async (importOriginal) => {
    const actual = await importOriginal<typeof SessionModule>();
    return { ...actual, sessionStart: (s: SessionSpec, ts: number) => (calls.push(ts), actual.sessionStart(s, ts)) };
  });
  const { createSessionAnchor: anchorOf, sessionSpans } = await import('./session-anchor');
  const session: SessionSpec = { timezone: 'America/New_York', open: '17:00', close: '16:00' };
  const { Resampler: SharedResampler } = await import('../resample');
  const anchors = Array.from({ length: 1_000 }, () => anchorOf(session));
  const resamplers = Array.from({ length: 1_000 }, () => new SharedResampler({ interval: '1d', session }));
  const monday = Date.UTC(2024, 5, 3, 12);
  const tuesday = Date.UTC(2024, 5, 4, 12);
  const bar = (ts: number) => ({ symbol: 'X', interval: '1m' as const, ts, open: 1, high: 1, low: 1, close: 1, volume: 1, source: 'test', final: true, filled: false });
  for (const day of [monday, tuesday]) {
    for (const anchor of anchors) expect(anchor(day)).toBe(sessionStart(session, day));
    for (const r of resamplers) expect(r.update(bar(day)).current?.ts).toBe(sessionStart(session, day));
  }
  expect(calls.length).toBe(4); // two days, each its start and the next start
  // the close does not move a session's start: another close shares the spans, another open does not
  expect(sessionSpans({ ...session, close: '17:00' })).toBe(sessionSpans(session));
  expect(sessionSpans({ ...session, open: '18:00' })).not.toBe(sessionSpans(session));
  expect(sessionSpans(session).at(monday)).toEqual({ start: sessionStart(session, monday), end: sessionStart(session, tuesday) });
  vi.doUnmock('../session');
});
