import type { SessionAnchor } from '../indicators/vwap';
import type { SessionSpec } from '../session';
import { sessionStart } from '../session';

/** Longer than any day with a DST shift (25 h) and shorter than two days. */
const NEXT_DAY_PROBE_MS = 26 * 3_600_000;
/** spans kept per session: engines replaying history and engines running live ask for different days */
const KEPT_SPANS = 4;

/** One session of a market: from its open until the next open. */
export interface SessionSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * The spans of one session (timezone and open), shared by every anchor and resampler of it.
 * sessionStart goes through Intl (~4 µs a call) and thousands of symbols share a handful of
 * sessions, all of which they leave at the same minute: with a span cached per engine, a
 * day's first bars made every one of them look it up again (at 5,000 symbols, 45,000 lookups
 * of two calls each in one cycle), where one lookup per session does.
 */
export class SessionSpans {
  readonly #recent: SessionSpan[] = [];

  constructor(private readonly session: SessionSpec) {}

  /** The span holding `ts`. */
  at(ts: number): SessionSpan {
    for (const span of this.#recent) if (ts >= span.start && ts < span.end) return span;
    const start = sessionStart(this.session, ts);
    const span = { start, end: sessionStart(this.session, start + NEXT_DAY_PROBE_MS) };
    this.#recent.unshift(span);
    if (this.#recent.length > KEPT_SPANS) this.#recent.pop();
    return span;
  }
}

/** sessionStart reads only the timezone and the open. */
const spansBySession = new Map<string, SessionSpans>();

/** The shared spans of a session. */
export function sessionSpans(session: SessionSpec): SessionSpans {
  const key = `${session.timezone} ${session.open}`;
  let spans = spansBySession.get(key);
  if (!spans) spansBySession.set(key, (spans = new SessionSpans({ timezone: session.timezone, open: session.open, close: session.close })));
  return spans;
}

/**
 * `sessionStart(session, ts)` with the current session's span cached. Bars arrive in order,
 * so nearly every call falls inside the cached [start, next start) and costs two comparisons;
 * the others take the span from the session's shared ones.
 */
export function createSessionAnchor(session: SessionSpec): SessionAnchor {
  const spans = sessionSpans(session);
  let start = Number.NaN;
  let end = Number.NaN;
  return (ts: number): number => {
    if (ts >= start && ts < end) return start;
    const span = spans.at(ts);
    start = span.start;
    end = span.end;
    return start;
  };
}
