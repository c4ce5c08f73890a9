import type { SessionAnchor } from '../indicators/vwap';
import type { SessionSpec } from '../session';
import { sessionStart } from '../session';

/** Longer than any day with a DST shift (25 h) and shorter than two days. */
const NEXT_DAY_PROBE_MS = 26 * 3_600_000;

/**
 * `sessionStart(session, ts)` with the current session's span cached. sessionStart goes
 * through Intl (microseconds per call), far over the per-bar budget; bars arrive in order,
 * so nearly every call falls inside the cached [start, next start) and costs two
 * comparisons. Opens are 23–25 h apart, so the next open is the session start 26 h after
 * this one.
 */
export function createSessionAnchor(session: SessionSpec): SessionAnchor {
  let start = Number.NaN;
  let end = Number.NaN;
  return (ts: number): number => {
    if (ts >= start && ts < end) return start;
    start = sessionStart(session, ts);
    end = sessionStart(session, start + NEXT_DAY_PROBE_MS);
    return start;
  };
}
