import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/app-fixture';

const ORIGIN = 'https://dashboard.example';
const preflight = { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, if-none-match' } };

describe('CORS', () => {
  it('is off by default: no Access-Control headers, a browser on another origin cannot read the API', async () => {
    const { request } = await fixture();
    const res = await request('/v1/bars/EURUSD', { headers: { origin: ORIGIN } });
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const options = await request('/v1/bars/EURUSD', preflight);
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight from an allowed origin without a key', async () => {
    const { app } = await fixture({ corsOrigins: [ORIGIN] });
    const res = await app.request('/v1/bars/EURUSD', preflight);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,HEAD,OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization,If-None-Match');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets the page read the data, its ETag and rate-limit headers, and its errors', async () => {
    const { request } = await fixture({ corsOrigins: [ORIGIN] });
    const ok = await request('/v1/bars/EURUSD', { headers: { origin: ORIGIN } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(ok.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    expect(ok.headers.get('vary')).toContain('Origin');
    for (const [path, init, status] of [
      ['/v1/bars/EURUSD', { headers: { origin: ORIGIN, authorization: 'Bearer wrong' } }, 401],
      ['/v1/bars/NOPE', { headers: { origin: ORIGIN } }, 404],
      ['/v1/signals', { method: 'DELETE', headers: { origin: ORIGIN } }, 405],
    ] as const) {
      const res = await request(path, init);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('access-control-allow-origin'), path).toBe(ORIGIN);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
    }
  });

  it('names no other origin', async () => {
    const { request } = await fixture({ corsOrigins: [ORIGIN] });
    const res = await request('/v1/bars/EURUSD', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows any origin with *', async () => {
    const { request } = await fixture({ corsOrigins: ['*'] });
    const res = await request('/v1/symbols', { headers: { origin: 'https://anywhere.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});
