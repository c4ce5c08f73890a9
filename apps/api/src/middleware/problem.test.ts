import { describe, expect, it, vi } from 'vitest';
import { fixture } from '../../test/app-fixture';
import { ApiError, PROBLEMS, type ProblemCode } from '../errors';
import { LIMITS, problemResponse, type Problem } from './problem';

class Probe extends ApiError {
  constructor(readonly code: ProblemCode) {
    super('probe');
  }
}

describe('problem+json', () => {
  it('carries type, title, status, detail, instance and code for every code in the table', async () => {
    for (const code of Object.keys(PROBLEMS) as ProblemCode[]) {
      const res = problemResponse(new Probe(code), 'http://api.test/v1/x');
      expect(res.status, code).toBe(PROBLEMS[code].status);
      expect(await res.json(), code).toEqual({
        type: `urn:marketpipe:problem:${code}`,
        title: PROBLEMS[code].title,
        status: PROBLEMS[code].status,
        detail: 'probe',
        instance: '/v1/x',
        code,
      });
    }
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bug = problemResponse(new TypeError('secret internals'), 'http://api.test/v1/x');
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({
      type: 'urn:marketpipe:problem:internal',
      title: 'Internal error',
      status: 500,
      detail: 'the request failed unexpectedly',
      instance: '/v1/x',
      code: 'internal',
    });
  });
});

describe('echoed request values are capped', () => {
  const long = 'A'.repeat(10_000);

  it('a 10 KB symbol path gives a small 400', async () => {
    const { request } = await fixture();
    const res = await request(`/v1/bars/${long}`);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(1_000);
    const body = JSON.parse(text) as Problem;
    expect(body.instance).toHaveLength(LIMITS.instance);
    expect(body.instance).toMatch(/^\/v1\/bars\/AAAA+…$/);
  });

  it('a 10 KB unknown path gives a small 404', async () => {
    const { request } = await fixture();
    const res = await request(`/${long}`);
    expect(res.status).toBe(404);
    expect((await res.text()).length).toBeLessThan(1_500);
  });

  it('a 10 KB path asked with a wrong method gives a small 405', async () => {
    const { request } = await fixture();
    const res = await request(`/v1/signals/${'B'.repeat(10_000)}`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect((await res.text()).length).toBeLessThan(1_000);
  });

  it('a thousand bad symbols give the first ten issues and a bounded detail', async () => {
    const { request } = await fixture();
    const symbols = Array.from({ length: 1_000 }, (_, i) => `bad!${i}`).join(',');
    const res = await request(`/v1/features?symbols=${symbols}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem & { issues: unknown[] };
    expect(body.issues).toHaveLength(LIMITS.issues);
    expect(body.detail.length).toBeLessThanOrEqual(LIMITS.detail);
    expect(body.detail.endsWith('…')).toBe(true);
  });
});
