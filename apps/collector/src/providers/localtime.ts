/**
 * Alpha Vantage and Twelve Data send bar times as local wall-clock strings in a named zone.
 * Converting them needs the zone's offset at that instant, which changes with DST, so a
 * fixed offset (or the `gmtoffset` of "now") would shift half the year's bars by an hour.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

/** Offset of `timeZone` from UTC at instant `ts` (ms; positive east of Greenwich). */
function offsetAt(ts: number, timeZone: string): number {
  const f: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ts)) f[part.type] = Number(part.value);
  const asUtc = Date.UTC(f.year ?? 0, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
  return asUtc - Math.floor(ts / 1000) * 1000;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * "YYYY-MM-DD HH:MM:SS" (or a date alone) in `timeZone` → ms since epoch UTC; NaN when the
 * string or the zone is not understood. In the hour repeated when DST ends the earlier
 * (daylight) instant is chosen; a time inside the skipped spring hour is read with the
 * offset in force before the change, as clocks that did not jump would read it.
 */
export function localToUtc(local: string, timeZone: string): number {
  // A poll of thousands of symbols carries the same few minute stamps thousands of times.
  let known = converted.get(timeZone);
  if (!known) converted.set(timeZone, (known = new Map()));
  let ts = known.get(local);
  if (ts === undefined) {
    if (known.size >= CONVERTED_PER_ZONE) known.clear();
    known.set(local, (ts = convert(local, timeZone)));
  }
  return ts;
}

/** per zone, local stamp → UTC ms; a zone's map is emptied when full (a long backfill), not pruned */
const converted = new Map<string, Map<string, number>>();
const CONVERTED_PER_ZONE = 4_096;

function convert(local: string, timeZone: string): number {
  const m = LOCAL.exec(local.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(wall)) return Number.NaN;
  // UTC has no offset to look up, and Intl's formatToParts costs ~10 µs a call: at thousands of
  // bars a second (the batch fetchers ask for UTC) it was the collector's hottest function.
  if (timeZone === 'UTC') return wall;
  try {
    // Offsets change at most once within a day around any instant in practice.
    const before = wall - offsetAt(wall - 86_400_000, timeZone);
    const after = wall - offsetAt(wall + 86_400_000, timeZone);
    const valid = [before, after].filter((t) => offsetAt(t, timeZone) === wall - t);
    return valid.length > 0 ? Math.min(...valid) : before;
  } catch {
    return Number.NaN;
  }
}
