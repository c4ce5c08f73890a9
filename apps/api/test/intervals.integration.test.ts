import { env } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import type { Bar } from '@marketpipe/core';
import type { WorkerEnv } from '../src/env';
import { buildApp } from '../src/worker';
import './context';

/**
 * Every timeframe through the bridge, inside workerd: the per-interval keys of
 * docs/architecture.md §4 read with core's codec, and features or signals of an interval the
 * collector does not compute refused with the intervals it does.
 */
const base = env as unknown as WorkerEnv;

describe('per-interval reads of a hand-written store (1m and 5m computed)', () => {
  const app = () => buildApp({ ...base, API_AUTH: 'optional', REDIS_PREFIX: inject('intervalPrefix') });
  const fixture = inject('intervalFixture');

  it('serves the 5m bars byte-exact, the forming one last', async () => {
    const body = (await (await app().request('/v1/bars/EURUSD?interval=5m&limit=10')).json()) as { interval: string; bars: Bar[] };
    expect(body.interval).toBe('5m');
    expect(body.bars).toEqual(fixture.bars5m);
    const limited = (await (await app().request('/v1/bars/EURUSD?interval=5m&limit=2')).json()) as { bars: Bar[] };
    expect(limited.bars).toEqual(fixture.bars5m.slice(-2));
  });

  it('serves the 5m features and signals byte-exact', async () => {
    expect(await (await app().request('/v1/features/EURUSD?interval=5m')).json()).toMatchObject({ features: fixture.features5m });
    expect(await (await app().request('/v1/features?symbols=EURUSD&interval=5m')).json()).toMatchObject({ interval: '5m', items: [{ features: fixture.features5m }] });
    expect(await (await app().request('/v1/signals?interval=5m&allowStale=true')).json()).toEqual({ interval: '5m', items: [expect.objectContaining(fixture.signal5m)] });
    expect(await (await app().request('/v1/signals/EURUSD?interval=5m&allowStale=true')).json()).toMatchObject({ ...fixture.signal5m, interval: '5m' });
  });

  it.each(['/v1/features/EURUSD?interval=1h', '/v1/features?interval=15m', '/v1/signals?interval=4h', '/v1/signals/EURUSD?interval=1d'])(
    'answers %s with 404 interval_unavailable listing 1m and 5m',
    async (path) => {
      const res = await app().request(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'interval_unavailable', available: ['1m', '5m'] });
    },
  );

  it('serves an interval without bars as an empty list', async () => {
    expect(await (await app().request('/v1/bars/EURUSD?interval=1d')).json()).toMatchObject({ interval: '1d', bars: [] });
  });
});
