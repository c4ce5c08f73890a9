import { localToUtc } from '../../src/providers/localtime';
import { badPriceTargets, disorder, type Fault } from './faults';
import { formatLocal, recorded, Timeline } from './recorded';
import type { FakeHandler } from './server';

type Values = Record<string, string>;
interface Body {
  'Meta Data': Record<string, string>;
  'Time Series (1min)': Record<string, Values>;
}

/**
 * Alpha Vantage TIME_SERIES_INTRADAY from the recorded MSFT 1min payload (US/Eastern wall
 * times). It answers FX_INTRADAY requests with the same bars, as its own format allows.
 */
export function alphaVantageHandler(now: () => number, apiKey: string): FakeHandler {
  const body = recorded('alphavantage/time-series-intraday-MSFT-1min-2017.json') as Body;
  const zone = body['Meta Data']['6. Time Zone']!;
  const rows = Object.entries(body['Time Series (1min)'])
    .map(([local, values]) => ({ ts: localToUtc(local, zone), values }))
    .reverse();
  const timeline = new Timeline(rows.map((r) => r.ts), now, 30);
  return (url: URL, fault: Fault) => {
    if (url.searchParams.get('apikey') !== apiKey) {
      return { status: 200, body: JSON.stringify({ 'Error Message': 'the parameter apikey is invalid or missing.' }) };
    }
    if (fault === 'http429') return { status: 429, body: 'Too Many Requests', contentType: 'text/plain' };
    if (fault === 'rate_limit_body') return { status: 200, body: JSON.stringify(recorded('alphavantage/rate-limit-note-2018-5permin-500perday.json')) };
    if (fault === 'error_body') return { status: 200, body: JSON.stringify(recorded('alphavantage/error-invalid-api-call-FX_DAILY.json')) };
    let live = rows.flatMap((r) => {
      const ts = timeline.live(r.ts);
      return ts === null ? [] : [{ ts, values: { ...r.values } }];
    });
    if (fault === 'duplicate_ts' || fault === 'out_of_order') live = disorder(live, fault);
    if (fault === 'bad_prices') {
      for (const { index, value } of badPriceTargets(live.length)) live[index]!.values['4. close'] = String(value);
    }
    // Newest first, as recorded. A duplicated time is written as a duplicated JSON key.
    const entries = live.reverse().map((r) => `${JSON.stringify(formatLocal(r.ts, zone))}:${JSON.stringify(r.values)}`);
    const meta = { ...body['Meta Data'], '3. Last Refreshed': live[0] ? formatLocal(live[0].ts, zone) : '' };
    return {
      status: 200,
      body: `{"Meta Data":${JSON.stringify(meta)},"Time Series (1min)":{${entries.join(',')}}}`,
    };
  };
}
