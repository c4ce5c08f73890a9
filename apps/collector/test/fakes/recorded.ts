import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'providers');

/** A recorded payload from test/fixtures/providers (see the README there for origins). */
export function recorded(path: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));
}

export function recordedText(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

const MINUTE = 60_000;

/**
 * Places a recording on today's clock: the row `future` rows before the end lands on the
 * current minute when the fake starts, so older rows are history and the rest appear one per
 * minute as time passes. Values and spacing are kept; each timestamp keeps its values.
 */
export class Timeline {
  readonly #shift: number;
  readonly #now: () => number;

  constructor(recordedTs: readonly number[], now: () => number, future: number) {
    const anchor = recordedTs[Math.max(0, recordedTs.length - 1 - future)] ?? 0;
    this.#shift = Math.floor(now() / MINUTE) * MINUTE - anchor;
    this.#now = now;
  }

  /** The live time of a recorded timestamp, or null while it is still in the future. */
  live(recordedTs: number): number | null {
    const ts = recordedTs + this.#shift;
    return ts <= Math.floor(this.#now() / MINUTE) * MINUTE ? ts : null;
  }
}

/** "YYYY-MM-DD HH:MM:SS" in `timeZone`, the format Alpha Vantage and Twelve Data send. */
export function formatLocal(ts: number, timeZone: string): string {
  const parts: Record<string, string> = {};
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  for (const p of fmt.formatToParts(ts)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}
