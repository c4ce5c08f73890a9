import { badPriceTargets, disorder, type Fault } from './faults';
import { recorded, recordedText, Timeline } from './recorded';
import type { FakeHandler } from './server';

interface Agg {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  vw: number;
  n: number;
  t: number;
}
interface Body {
  ticker: string;
  results: Agg[];
  status: string;
  request_id: string;
}

const MINUTE = 60_000;
const PATH = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/1\/minute\/(\d+)\/(\d+)$/;

/**
 * Polygon /v2/aggs 1-minute. Only daily aggregates were recorded: the C:EURUSD days are
 * re-timed to consecutive minutes, values unchanged.
 */
export function polygonHandler(now: () => number, apiKey: string): FakeHandler {
  const body = recorded('polygon/aggs-C_EURUSD-1day-2023-01-01_2023-01-10.json') as Body;
  const first = body.results[0]!.t;
  const rows = body.results.map((r, i) => ({ ...r, ts: first + i * MINUTE }));
  const timeline = new Timeline(rows.map((r) => r.ts), now, 4);
  return (url: URL, fault: Fault) => {
    if (url.searchParams.get('apiKey') !== apiKey) {
      return { status: 401, body: JSON.stringify({ status: 'ERROR', request_id: 'fake', error: 'Unknown API Key' }) };
    }
    if (fault === 'http429' || fault === 'rate_limit_body') {
      return { status: 429, body: JSON.stringify({ status: 'ERROR', request_id: 'fake', error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue." }) };
    }
    if (fault === 'error_body') return { status: 403, body: recordedText('polygon/error-403-not-entitled-free-plan.json') };
    const m = PATH.exec(decodeURIComponent(url.pathname));
    if (!m) return { status: 404, body: JSON.stringify({ status: 'NOT_FOUND', request_id: 'fake', message: 'unknown path' }) };
    const [from, to] = [Number(m[2]), Number(m[3])];
    let live = rows.flatMap((r) => {
      const t = timeline.live(r.ts);
      return t !== null && t >= from && t <= to ? [{ ...r, ts: t }] : [];
    });
    if (fault === 'duplicate_ts' || fault === 'out_of_order') live = disorder(live, fault);
    if (fault === 'bad_prices') {
      // No NaN in JSON numbers; a real NaN would fail the schema, so negative and zero here.
      for (const { index, value } of badPriceTargets(live.length)) live[index]!.c = Number.isNaN(value) ? -0.0001 : value;
    }
    const results = live.map(({ ts, o, h, l, c, v, vw, n }) => ({ v, vw, o, c, h, l, t: ts, n }));
    const out: Record<string, unknown> = { ticker: m[1], queryCount: results.length, resultsCount: results.length, adjusted: true };
    if (results.length > 0) out.results = results;
    Object.assign(out, { status: 'OK', request_id: body.request_id, count: results.length });
    return { status: 200, body: JSON.stringify(out) };
  };
}
