import { beforeEach, describe, expect, it } from 'vitest';
import { INTERVAL_MS } from '@marketpipe/core';
import { bar, features, signal } from '../../test/fakes';
import { fixture, NOW } from '../../test/app-fixture';

/**
 * `?interval=` on bars, features and signals, over in-memory ports: the interval reaches the
 * reader, and features or signals of an interval the collector does not compute are a 404
 * naming the ones it does. (The same over the bridge and Redis: test/worker.integration.test.ts.)
 */
let f: Awaited<ReturnType<typeof fixture>>;
const json = async (path: string) => {
  const res = await f.request(path);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
};

beforeEach(async () => {
  f = await fixture();
  // The collector computes 1m (the fixture's data) and 5m, and stores bars of 1h too.
  const five = f.market.data('5m');
  const start = NOW - (NOW % INTERVAL_MS['5m']);
  five.finals.set('EURUSD', [bar('EURUSD', start - 600_000, 1.08, true, '5m'), bar('EURUSD', start - 300_000, 1.081, true, '5m')]);
  five.forming.set('EURUSD', bar('EURUSD', start, 1.082, false, '5m'));
  five.feats.set('EURUSD', features('EURUSD', start, '5m'));
  five.sigs.set('EURUSD', signal('EURUSD', 0.6, start));
  f.market.data('1h').finals.set('EURUSD', [bar('EURUSD', NOW - (NOW % INTERVAL_MS['1h']) - 3_600_000, 1.07, true, '1h')]);
});

describe('GET /v1/bars/{symbol}?interval=', () => {
  it('serves the bars of the interval asked for, 1m when none is', async () => {
    const five = await json('/v1/bars/EURUSD?interval=5m&limit=2');
    expect(five.body).toMatchObject({ symbol: 'EURUSD', interval: '5m', stale: false });
    expect((five.body.bars as { interval: string; final: boolean }[]).map((b) => [b.interval, b.final])).toEqual([
      ['5m', true],
      ['5m', false],
    ]);
    expect((await json('/v1/bars/EURUSD?interval=1h')).body.bars).toHaveLength(1);
    expect((await json('/v1/bars/EURUSD')).body).toMatchObject({ interval: '1m', bars: [{ interval: '1m' }, {}, {}] });
  });

  it('answers an interval the pipeline does not keep with a 400 naming the parameter', async () => {
    const res = await json('/v1/bars/EURUSD?interval=2m');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_request', issues: [{ path: 'interval' }] });
  });
});

describe('features and signals of an interval', () => {
  it('serves the 5m features and signals the collector computed', async () => {
    expect((await json('/v1/features/EURUSD?interval=5m')).body).toMatchObject({ symbol: 'EURUSD', features: { interval: '5m' } });
    expect((await json('/v1/features?symbols=EURUSD,XAUUSD&interval=5m')).body).toMatchObject({ interval: '5m', items: [{ symbol: 'EURUSD' }], missing: ['XAUUSD'] });
    expect((await json('/v1/signals?interval=5m')).body).toMatchObject({ interval: '5m', items: [{ symbol: 'EURUSD', score: 0.6 }] });
    expect((await json('/v1/signals/EURUSD?interval=5m')).body).toMatchObject({ symbol: 'EURUSD', interval: '5m', score: 0.6 });
  });

  it('keeps 1m the default, saying so in list bodies', async () => {
    expect((await json('/v1/signals')).body).toMatchObject({ interval: '1m', items: [{ score: 0.8 }] });
    expect((await json('/v1/signals/EURUSD')).body).toMatchObject({ interval: '1m', score: 0.8 });
  });

  it.each(['/v1/features/EURUSD?interval=1h', '/v1/features?interval=4h', '/v1/features?symbols=EURUSD&interval=15m', '/v1/signals?interval=1d', '/v1/signals/EURUSD?interval=30m'])(
    'answers %s, an interval not computed, with a 404 listing those that are',
    async (path) => {
      const res = await json(path);
      expect(res.status).toBe(404);
      expect(res.type).toBe('application/problem+json');
      const interval = new URL(path, 'http://x').searchParams.get('interval');
      expect(res.body).toMatchObject({
        type: 'urn:marketpipe:problem:interval_unavailable',
        interval,
        available: ['1m', '5m'],
        detail: expect.stringContaining(`interval ${interval}; available: 1m, 5m`),
      });
    },
  );

  it('still answers a computed interval without data for the symbol as not_found', async () => {
    f.market.feats.delete('EURUSD');
    f.market.feats.set('XAUUSD', features('XAUUSD', NOW));
    expect((await json('/v1/features/EURUSD')).body).toMatchObject({ code: 'not_found', detail: 'no 1m features for EURUSD yet: the collector has not computed any' });
  });

  it('answers empty lists, not a wrong interval, before any collector computed anything', async () => {
    for (const iv of ['1m', '5m'] as const) {
      f.market.data(iv).feats.clear();
      f.market.data(iv).sigs.clear();
    }
    expect(await json('/v1/signals?interval=4h')).toMatchObject({ status: 200, body: { interval: '4h', items: [] } });
    expect((await json('/v1/features?interval=5m')).body).toMatchObject({ items: [], missing: ['EURUSD', 'XAUUSD', 'NAS100'] });
    expect((await json('/v1/features/EURUSD?interval=1h')).body).toMatchObject({ code: 'not_found' });
  });
});
