/**
 * Trading sessions in the exchange's own time zone. A session whose daily close is not after
 * its open runs overnight (FX rolls at 17:00 New York; CME index futures 18:00→17:00): the
 * trading day that ends on weekday D opened the evening before. Exchange holidays are not
 * modelled: on a holiday the market reads as open and data goes stale, which is the safe way
 * round (stale is reported, never hidden).
 */
export interface SessionSpec {
  timezone: string;
  /** "HH:MM" local */
  open: string;
  /** "HH:MM" local */
  close: string;
}

interface LocalTime {
  weekday: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/**
 * Every time zone's offset and every DST change is a whole number of quarter hours, so within
 * one UTC quarter hour local time moves minute for minute and never crosses a local midnight:
 * one Intl call per quarter hour and zone serves the rest (Intl is ~µs a call, and scans over
 * every minute of a weekend or of 90 days — gap filling, `marketpipe status` — ask for each).
 */
const QUARTER_HOUR = 900_000;
const lastQuarter = new Map<string, { quarter: number; local: LocalTime }>();

function localTime(ts: number, timezone: string): LocalTime {
  const quarter = Math.floor(ts / QUARTER_HOUR);
  let hit = lastQuarter.get(timezone);
  if (hit?.quarter !== quarter) {
    hit = { quarter, local: intlLocalTime(quarter * QUARTER_HOUR, timezone) };
    lastQuarter.set(timezone, hit);
  }
  return { weekday: hit.local.weekday, minutes: hit.local.minutes + Math.floor((ts - quarter * QUARTER_HOUR) / 60_000) };
}

function intlLocalTime(ts: number, timezone: string): LocalTime {
  let fmt = formatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, fmt);
  }
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const part of fmt.formatToParts(ts)) {
    if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, minutes: hour * 60 + minute };
}

export function parseHhMm(value: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(value);
  if (!m) throw new RangeError(`expected HH:MM, got "${value}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** True while the session is trading at `ts`. */
export function isMarketOpen(session: SessionSpec, ts: number): boolean {
  const { weekday, minutes } = localTime(ts, session.timezone);
  const open = parseHhMm(session.open);
  const close = parseHhMm(session.close);
  const weekdayTradingDay = weekday >= 1 && weekday <= 5;
  if (open < close) return weekdayTradingDay && minutes >= open && minutes < close;
  const endsToday = weekdayTradingDay && minutes < close;
  const startsTonight = weekday >= 0 && weekday <= 4 && minutes >= open;
  return endsToday || startsTonight;
}

/** The most recent session open at or before `ts` (the VWAP anchor), in ms UTC. */
export function sessionStart(session: SessionSpec, ts: number): number {
  const open = parseHhMm(session.open);
  const minuteTs = ts - (((ts % 60_000) + 60_000) % 60_000);
  const { minutes } = localTime(minuteTs, session.timezone);
  let candidate = minuteTs - (((minutes - open) % 1440) + 1440) % 1440 * 60_000;
  // A DST change between the open and now shifts local time by the offset change; correct once.
  const drift = localTime(candidate, session.timezone).minutes - open;
  if (drift !== 0) {
    const wrapped = ((drift + 720) % 1440 + 1440) % 1440 - 720;
    candidate -= wrapped * 60_000;
  }
  return candidate;
}
