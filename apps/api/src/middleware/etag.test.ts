import { describe, expect, it } from 'vitest';
import { bar, features, signal } from '../../test/fakes';
import { fixture, NOW } from '../../test/app-fixture';

const ROUTES = ['/v1/bars/EURUSD?limit=3', '/v1/features/EURUSD', '/v1/features?symbols=EURUSD,NOPE', '/v1/signals', '/v1/signals/EURUSD?broker=oanda'];

describe.each(ROUTES)('ETag on %s', (path) => {
  it('is weak, stable while the data is, and answers a matching If-None-Match with a bodiless 304', async () => {
    const { request } = await fixture();
    const first = await request(path);
    expect(first.status).toBe(200);
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^W\/"[0-9a-f]{16}"$/);
    expect((await request(path)).headers.get('etag')).toBe(tag);

    const again = await request(path, { headers: { 'if-none-match': tag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(tag);
    expect(again.headers.get('cache-control')).toBe('private, max-age=1');
    expect(again.headers.get('content-type')).toBeNull();
    expect(again.headers.get('ratelimit-remaining')).not.toBeNull();
  });

  it('changes when the collector polls again', async () => {
    const { request, market } = await fixture();
    const tag = (await request(path)).headers.get('etag')!;
    market.seen.set('EURUSD', NOW - 100);
    const res = await request(path, { headers: { 'if-none-match': tag } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(tag);
  });

  it('changes when the data turns stale, though nothing was written', async () => {
    const { request, clock } = await fixture();
    // allowStale: the signal routes would leave out or refuse the stale signal; the others ignore it.
    const withStale = `${path}${path.includes('?') ? '&' : '?'}allowStale=true`;
    const fresh = await request(withStale);
    clock.now += 60_000;
    const stale = await request(withStale, { headers: { 'if-none-match': fresh.headers.get('etag')! } });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('etag')).not.toBe(fresh.headers.get('etag'));
  });
});

describe('ETag', () => {
  it('follows the forming bar and the newest final bar', async () => {
    const { request, market } = await fixture();
    const tag = async () => (await request('/v1/bars/EURUSD')).headers.get('etag');
    const before = await tag();
    market.forming.set('EURUSD', bar('EURUSD', NOW, 1.0809, false));
    const formingMoved = await tag();
    expect(formingMoved).not.toBe(before);
    market.finals.get('EURUSD')!.push(bar('EURUSD', NOW, 1.0809));
    market.forming.set('EURUSD', bar('EURUSD', NOW + 60_000, 1.0809, false));
    expect(await tag()).not.toBe(formingMoved);
  });

  it('follows a recomputed feature snapshot or signal', async () => {
    const { request, market } = await fixture();
    const features0 = (await request('/v1/features/EURUSD')).headers.get('etag');
    const signal0 = (await request('/v1/signals/EURUSD')).headers.get('etag');
    market.feats.set('EURUSD', features('EURUSD', NOW + 1_000));
    market.sigs.set('EURUSD', signal('EURUSD', 0.8, NOW + 1_000));
    expect((await request('/v1/features/EURUSD')).headers.get('etag')).not.toBe(features0);
    expect((await request('/v1/signals/EURUSD')).headers.get('etag')).not.toBe(signal0);
  });

  it('matches weakly, in a list, and with *', async () => {
    const { request } = await fixture();
    const tag = (await request('/v1/bars/EURUSD')).headers.get('etag')!;
    const strong = tag.slice(2);
    for (const inm of [strong, `"other", ${tag}`, '*']) {
      expect((await request('/v1/bars/EURUSD', { headers: { 'if-none-match': inm } })).status, inm).toBe(304);
    }
    expect((await request('/v1/bars/EURUSD', { headers: { 'if-none-match': 'W/"other"' } })).status).toBe(200);
  });

  it('is not sent on errors, nor where the data has no version', async () => {
    const { request } = await fixture();
    expect((await request('/v1/bars/NOPE')).headers.get('etag')).toBeNull();
    expect((await request('/v1/symbols')).headers.get('etag')).toBeNull();
    expect((await request('/v1/bars/NOPE', { headers: { 'if-none-match': '*' } })).status).toBe(404);
  });
});
