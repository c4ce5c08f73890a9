import { sessionSpans, type SessionSpans } from './features/session-anchor';
import { parseHhMm, type SessionSpec } from './session';
import { INTERVAL_MS, type Bar, type Interval } from './types';

const MINUTE = 60_000;

export interface ResampleUpdate {
  /** the bar of the bucket that just ended (final), when a 1m bar closed or left it */
  completed: Bar | null;
  /**
   * the higher-timeframe bar now forming (`final: false`), or null once its bucket is complete;
   * with a forming 1m bar in it, the resampler's own object, overwritten by its next update
   */
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
  readonly #spans: SessionSpans;
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
  /** what #locate found */
  #start = Number.NaN;
  #end = Number.NaN;
  /**
   * The forming bar shown on top of the aggregate, overwritten by each update: at 5,000 symbols
   * six intervals show ~30,000 bars a second, each of which lived until the next second (long
   * enough to be promoted) when it was a new object.
   */
  #shown: Bar | null = null;

  constructor(opts: { interval: Exclude<Interval, '1m'>; session: SessionSpec }) {
    this.interval = opts.interval;
    this.#ms = INTERVAL_MS[opts.interval];
    this.#spans = sessionSpans(opts.session);
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
    this.#locate(ts);
    return { start: this.#start, end: this.#end };
  }

  /** bucketOf into fields: it runs for every symbol and interval each second a bucket has no final minute yet. */
  #locate(ts: number): void {
    this.#toSession(ts);
    if (ts >= this.#sessionEnd) {
      const aligned = this.#session + Math.floor((ts - this.#session) / this.#ms) * this.#ms;
      this.#start = this.#ms >= INTERVAL_MS['1d'] ? this.#sessionEnd : Math.max(aligned, this.#sessionEnd);
      this.#end = Math.min(this.#start + this.#ms, this.#nextOpen);
    } else if (this.#ms >= INTERVAL_MS['1d']) {
      this.#start = this.#session;
      this.#end = this.#sessionEnd;
    } else {
      this.#start = this.#session + Math.floor((ts - this.#session) / this.#ms) * this.#ms;
      this.#end = Math.min(this.#start + this.#ms, this.#sessionEnd);
    }
  }

  /**
   * Finds the session holding `ts`: kept, and taken from the session's shared spans only when
   * `ts` leaves it (every symbol and interval of a session leaves it at the same minute).
   */
  #toSession(ts: number): void {
    if (ts >= this.#session && ts < this.#nextOpen) return;
    const span = this.#spans.at(ts);
    this.#session = span.start;
    this.#nextOpen = span.end;
    this.#sessionEnd = Math.min(this.#session + this.#sessionMs, this.#nextOpen);
  }

  update(bar: Bar): ResampleUpdate {
    let completed: Bar | null = null;
    if (this.#acc && bar.ts >= this.#bucketEnd) completed = this.#close();
    if (!this.#acc || bar.ts >= this.#bucketEnd) {
      this.#locate(bar.ts);
      this.#bucket = this.#start;
      this.#bucketEnd = this.#end;
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

  /**
   * The bucket as it stands, not final: the aggregate itself (never mutated: merge makes a new
   * one), or with a forming bar on top, the resampler's own bar, valid until its next update.
   */
  #show(forming: Bar | null): Bar | null {
    if (!forming) return this.#acc;
    const acc = this.#acc;
    const shown = (this.#shown ??= { symbol: '', interval: this.interval, ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, source: forming.source, final: false, filled: false });
    shown.symbol = forming.symbol;
    shown.interval = this.interval;
    shown.ts = this.#bucket;
    shown.open = acc ? acc.open : forming.open;
    shown.high = acc ? Math.max(acc.high, forming.high) : forming.high;
    shown.low = acc ? Math.min(acc.low, forming.low) : forming.low;
    shown.close = forming.close;
    shown.volume = acc ? acc.volume + forming.volume : forming.volume;
    shown.source = forming.source;
    shown.final = false;
    shown.filled = acc ? acc.filled && forming.filled : forming.filled;
    return shown;
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
