import { badPriceTargets, disorder, type Fault } from './faults';
import { formatLocal, recorded, recordedText } from './recorded';
import type { FakeHandler } from './server';

interface Value {
  datetime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume?: string;
}
interface Body {
  meta: Record<string, string>;
  values: Value[];
  status: string;
}

const MINUTE = 60_000;

/**
 * Twelve Data /time_series and /quote. Only a one-bar 1min series example exists, so every
 * served minute carries that bar's values; /quote serves the recorded AAPL quote re-dated to
 * the current minute. `outputsize` and `timezone` are honoured like the real API.
 */
export function twelveDataHandler(now: () => number, apiKey: string): FakeHandler {
  const body = recorded('twelvedata/time-series-AAPL-1min.json') as Body;
  const template = body.values[0]!;
  const quoteTemplate = (recorded('twelvedata/batch-quote-AAPL-MSFT.json') as Record<string, Record<string, unknown>>).AAPL!;
  return (url: URL, fault: Fault) => {
    if (url.searchParams.get('apikey') !== apiKey) {
      return { status: 401, body: JSON.stringify({ code: 401, message: '**apikey** parameter is incorrect or not specified.', status: 'error' }) };
    }
    if (fault === 'http429') return { status: 429, body: recordedText('twelvedata/error-429-minute-credits.json') };
    if (fault === 'rate_limit_body') return { status: 200, body: recordedText('twelvedata/error-429-minute-credits.json') };
    if (fault === 'error_body') {
      const batch = recorded('twelvedata/batch-time-series-with-400-symbol-not-found.json') as Record<string, unknown>;
      return { status: 200, body: JSON.stringify(batch.INVALID) };
    }
    const zone = url.searchParams.get('timezone') ?? body.meta.exchange_timezone ?? 'UTC';
    const current = Math.floor(now() / MINUTE) * MINUTE;
    if (url.pathname.endsWith('/quote')) {
      const quote: Record<string, unknown> = { ...quoteTemplate, symbol: url.searchParams.get('symbol') ?? quoteTemplate.symbol };
      if (fault === 'bad_prices') quote.close = '-1';
      return { status: 200, body: JSON.stringify({ ...quote, datetime: formatLocal(current, zone), timestamp: current / 1000 }) };
    }
    const size = Math.min(Number(url.searchParams.get('outputsize') ?? 30), 5_000);
    let rows = Array.from({ length: size }, (_, i) => ({ ts: current - (size - 1 - i) * MINUTE, value: { ...template } }));
    if (fault === 'duplicate_ts' || fault === 'out_of_order') rows = disorder(rows, fault);
    if (fault === 'bad_prices') {
      for (const { index, value } of badPriceTargets(rows.length)) rows[index]!.value.close = String(value);
    }
    const values = rows.reverse().map((r) => ({ ...r.value, datetime: formatLocal(r.ts, zone) }));
    const meta = { ...body.meta, symbol: url.searchParams.get('symbol') ?? body.meta.symbol };
    return { status: 200, body: JSON.stringify({ meta, values, status: 'ok' }) };
  };
}
