import { expect, test } from 'vitest';
import { sessionStart } from '../session';
import type { SessionSpec } from '../session';
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
