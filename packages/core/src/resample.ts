import { createSessionAnchor } from './features/session-anchor';
import { parseHhMm, type SessionSpec } from './session';
import { INTERVAL_MS, type Bar, type Interval } from './types';

const MINUTE = 60_000;

export interface ResampleUpdate {
  /** the bar of the bucket that just ended (final), when a 1m bar closed or left it */
  completed: Bar | null;
  /** the higher-timeframe bar now forming (`final: false`), or null once its bucket is complete */
  current: Bar | null;
}

/**
 * Streams 1m bars into one higher timeframe, session-aware: buckets are counted from the
 * session's open (the FX day starts 17:00 New York, CME's at 18:00), so no bar spans a
 * session boundary, a daily bar is one trading day, and DST moves the boundaries with the
 * exchange's clock. Final 1m bars are committed; a forming 1m bar is shown on top of them
 * without disturbing what the next final bar builds on (the indicators' replace-last rule).
 * A bucket is complete when its last minute is final or a bar of a later bucket arrives.
 */
export class Resampler {
  readonly interval: Interval;
  readonly #ms: number;
  readonly #anchor: (ts: number) => number;
  /** how long a session trades; a 24 h one (FX) runs until the next open, 23–25 h across DST */
  readonly #sessionMs: number;
  /** committed aggregate of the current bucket's final 1m bars */
  #acc: Bar | null = null;
  #bucket = Number.NaN;
  #bucketEnd = Number.NaN;
  /** the session last looked up: its open, its close, the next open */
  #session = Number.NaN;
  #sessionEnd = Number.NaN;
  #nextOpen = Number.NaN;

  constructor(opts: { interval: Exclude<Interval, '1m'>; session: SessionSpec }) {
    this.interval = opts.interval;
    this.#ms = INTERVAL_MS[opts.interval];
    this.#anchor = createSessionAnchor(opts.session);
    const minutes = (parseHhMm(opts.session.close) - parseHhMm(opts.session.open) + 1440) % 1440;
    this.#sessionMs = minutes === 0 ? Number.POSITIVE_INFINITY : minutes * MINUTE;
  }

  /**
   * Open time of the bucket a 1m bar belongs to, and when that bucket ends (at the latest the
   * session's close). A bar after the close (a feed that trades through the daily break, as
   * spot gold does) goes to a bucket of the break, from the close at the earliest to the next
   * open at the latest: a bucket ending before its own bar would complete once per 1m bar.
   */
  bucketOf(ts: number): { start: number; end: number } {
    this.#toSession(ts);
    if (ts >= this.#sessionEnd) {
      const aligned = this.#session + Math.floor((ts - this.#session) / this.#ms) * this.#ms;
      const start = this.#ms >= INTERVAL_MS['1d'] ? this.#sessionEnd : Math.max(aligned, this.#sessionEnd);
      return { start, end: Math.min(start + this.#ms, this.#nextOpen) };
    }
    if (this.#ms >= INTERVAL_MS['1d']) return { start: this.#session, end: this.#sessionEnd };
    const start = this.#session + Math.floor((ts - this.#session) / this.#ms) * this.#ms;
    return { start, end: Math.min(start + this.#ms, this.#sessionEnd) };
  }

  /**
   * Finds the session holding `ts`. Finding a session goes through Intl (microseconds); every
   * symbol and interval crosses a bucket boundary at the same minute, so the session is kept
   * and looked up again only when `ts` leaves it.
   */
  #toSession(ts: number): void {
    if (ts >= this.#session && ts < this.#nextOpen) return;
    this.#session = this.#anchor(ts);
    this.#nextOpen = this.#anchor(this.#session + 26 * 3_600_000);
    this.#sessionEnd = Math.min(this.#session + this.#sessionMs, this.#nextOpen);
  }

  update(bar: Bar): ResampleUpdate {
    let completed: Bar | null = null;
    if (this.#acc && bar.ts >= this.#bucketEnd) completed = this.#close();
    if (!this.#acc || bar.ts >= this.#bucketEnd) {
      const { start, end } = this.bucketOf(bar.ts);
      this.#bucket = start;
      this.#bucketEnd = end;
    }
    if (bar.ts < this.#bucket) return { completed, current: this.#show(null) };
    if (!bar.final) return { completed, current: this.#show(bar) };
    this.#acc = merge(this.#acc, bar, this.#bucket, this.interval);
    if (bar.ts + MINUTE >= this.#bucketEnd) return { completed: completed ?? this.#close(), current: null };
    return { completed, current: this.#show(null) };
  }

  /** The committed aggregate of the open bucket (null: none): with `restore`, moves a resampler to another thread. */
  state(): Bar | null {
    return this.#acc;
  }

  /** Continues from a `state()`: the bucket is found again from the aggregate's time. */
  restore(acc: Bar | null): void {
    this.#acc = acc;
    if (!acc) return;
    const { start, end } = this.bucketOf(acc.ts);
    this.#bucket = start;
    this.#bucketEnd = end;
  }

  /** Resamples a whole series of final 1m bars (oldest first): every complete bucket, then the open one. */
  static series(bars: readonly Bar[], opts: { interval: Exclude<Interval, '1m'>; session: SessionSpec }): Bar[] {
    const r = new Resampler(opts);
    const out: Bar[] = [];
    let last: Bar | null = null;
    for (const bar of bars) {
      const u = r.update(bar);
      if (u.completed) out.push(u.completed);
      last = u.current;
    }
    if (last) out.push(last);
    return out;
  }

  /** The bucket as it stands, not final. The aggregate is never mutated (merge makes a new one), so it is shown as is. */
  #show(forming: Bar | null): Bar | null {
    return forming ? merge(this.#acc, forming, this.#bucket, this.interval) : this.#acc;
  }

  #close(): Bar {
    const done = { ...this.#acc!, final: true };
    this.#acc = null;
    return done;
  }
}

function merge(acc: Bar | null, bar: Bar, bucket: number, interval: Interval): Bar {
  if (!acc) return { ...bar, ts: bucket, interval, final: false };
  return {
    symbol: acc.symbol,
    interval,
    ts: bucket,
    open: acc.open,
    high: Math.max(acc.high, bar.high),
    low: Math.min(acc.low, bar.low),
    close: bar.close,
    volume: acc.volume + bar.volume,
    source: bar.source,
    final: false,
    filled: acc.filled && bar.filled,
  };
}
