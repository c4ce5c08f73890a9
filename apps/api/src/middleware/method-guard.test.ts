import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/app-fixture';

describe('a known path asked with a method it does not serve', () => {
  it.each([
    ['POST', '/v1/bars/EURUSD'],
    ['DELETE', '/v1/signals'],
    ['PUT', '/v1/features/EURUSD'],
    ['PATCH', '/openapi.json'],
  ])('%s %s is a 405 problem with Allow', async (method, path) => {
    const { request } = await fixture();
    const res = await request(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'urn:marketpipe:problem:method_not_allowed',
      title: 'Method not allowed',
      status: 405,
      detail: `${method} is not served here; use GET, HEAD, OPTIONS`,
      instance: path,
      code: 'method_not_allowed',
    });
  });

  it('is told so before auth and the rate limit: no key needed to learn the method is wrong', async () => {
    const { app } = await fixture();
    expect((await app.request('/v1/bars/EURUSD', { method: 'POST' })).status).toBe(405);
  });

  it('answers OPTIONS with 204 and Allow', async () => {
    const { app } = await fixture();
    const res = await app.request('/v1/signals/EURUSD', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await res.text()).toBe('');
  });

  it('leaves unknown paths to the 404, whatever the method', async () => {
    const { request } = await fixture();
    for (const method of ['GET', 'POST', 'OPTIONS']) {
      const res = await request('/v1/nothing/here', { method });
      expect(res.status, method).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'not_found' });
    }
  });
});

describe('HEAD', () => {
  it.each(['/v1/bars/EURUSD', '/v1/features/EURUSD', '/v1/signals', '/v1/symbols', '/openapi.json', '/docs'])(
    'is served wherever GET is, with its status and headers and no body: %s',
    async (path) => {
      const { request } = await fixture();
      const get = await request(path);
      const head = await request(path, { method: 'HEAD' });
      expect(head.status).toBe(get.status);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(head.headers.get('cache-control')).toBe(get.headers.get('cache-control'));
      expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
      expect(await head.text()).toBe('');
    },
  );

  it('is public where GET is: health without a key', async () => {
    const { app, market } = await fixture();
    market.beats = [];
    const res = await app.request('/v1/health', { method: 'HEAD' });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('');
  });
});
