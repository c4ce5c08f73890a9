import { badPriceTargets, disorder, type Fault } from './faults';
import { recorded, Timeline } from './recorded';
import type { FakeHandler } from './server';

type Num = number | null;
interface YahooRow {
  ts: number;
  open: Num;
  high: Num;
  low: Num;
  close: Num;
  volume: Num;
}

interface Chart {
  chart: { result: Array<{ meta: unknown; timestamp: number[]; indicators: { quote: Array<Record<string, Num[]>> } }> };
}

const SOURCE = 'yahoo/chart-AAPL-1m-with-nulls.json';

/**
 * Yahoo chart v8 from the recorded AAPL 1m session (with its whole-null row). The trailing
 * "live" element a day later is dropped so the minutes stay contiguous when re-timed.
 */
export function yahooHandler(now: () => number): FakeHandler {
  const body = recorded(SOURCE) as Chart;
  const result = body.chart.result[0]!;
  const q = result.indicators.quote[0]!;
  const rows: YahooRow[] = result.timestamp.slice(0, -1).map((t, i) => ({
    ts: t * 1000,
    open: q.open![i] ?? null,
    high: q.high![i] ?? null,
    low: q.low![i] ?? null,
    close: q.close![i] ?? null,
    volume: q.volume![i] ?? null,
  }));
  const timeline = new Timeline(rows.map((r) => r.ts), now, 60);
  return (url: URL, fault: Fault) => {
    if (fault === 'http429' || fault === 'rate_limit_body') {
      return { status: 429, body: 'Too Many Requests\r\n', contentType: 'text/plain' };
    }
    if (fault === 'error_body') return { status: 404, body: JSON.stringify(recorded('yahoo/chart-SI-error-404-delisted.json')) };
    const from = Number(url.searchParams.get('period1') ?? 0) * 1000;
    const to = Number(url.searchParams.get('period2') ?? Number.MAX_SAFE_INTEGER / 1000) * 1000;
    let live = rows.flatMap((r) => {
      const ts = timeline.live(r.ts);
      return ts !== null && ts >= from && ts < to ? [{ ...r, ts }] : [];
    });
    if (fault === 'duplicate_ts' || fault === 'out_of_order') live = disorder(live, fault);
    if (fault === 'bad_prices') {
      // JSON has no NaN: Yahoo's nearest is a null inside an otherwise filled row.
      for (const { index, value } of badPriceTargets(live.length)) live[index]!.close = Number.isNaN(value) ? null : value;
    }
    const out = structuredClone(body);
    const res = out.chart.result[0]!;
    res.timestamp = live.map((r) => r.ts / 1000);
    res.indicators.quote[0] = {
      open: live.map((r) => r.open),
      high: live.map((r) => r.high),
      low: live.map((r) => r.low),
      close: live.map((r) => r.close),
      volume: live.map((r) => r.volume),
    };
    return { status: 200, body: JSON.stringify(out) };
  };
}
