import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import { INTERVAL_MS, type Bar, type Features } from '@marketpipe/core';
import './context';

/**
 * The "against the bridge and a Redis filled by the real collector": the global setup's
 * collector (sim feed, FEATURE_INTERVALS=1m,5m) resamples and computes 5m; the Worker as
 * deployed serves it, and refuses 1h.
 */
describe('the 5m data the real collector wrote (FEATURE_INTERVALS=1m,5m)', () => {
  const worker = (exports as unknown as { default: Fetcher }).default;
  const get = (path: string) => worker.fetch(`http://api.test${path}`, { headers: { authorization: `Bearer ${inject('apiKey')}` } });

  it('serves the 5m bars the collector resampled, on 5-minute boundaries, the forming one last', async () => {
    const written = inject('collectorBars5m');
    expect(written.length, 'two hours of backfill resample into 5m bars').toBeGreaterThanOrEqual(20);
    const body = (await (await get('/v1/bars/EURUSD?interval=5m&limit=5000')).json()) as { bars: Bar[] };
    const served = new Map(body.bars.filter((b) => b.final).map((b) => [b.ts, b]));
    for (const bar of written) expect(served.get(bar.ts)).toEqual(bar);
    expect(body.bars.every((b) => b.interval === '5m' && b.ts % INTERVAL_MS['5m'] === 0)).toBe(true);
    expect(body.bars.at(-1)).toMatchObject({ final: false, interval: '5m' });
  });

  it('serves its 5m features and refuses 1h, which it does not compute', async () => {
    const five = (await (await get('/v1/features/EURUSD?interval=5m')).json()) as { features: Features };
    expect(five.features).toMatchObject({ symbol: 'EURUSD', interval: '5m', defs: 'talib' });
    const hour = await get('/v1/features/EURUSD?interval=1h');
    expect(hour.status).toBe(404);
    expect(await hour.json()).toMatchObject({ code: 'interval_unavailable', available: ['1m', '5m'] });
  });
});
