import { describe, expect, it } from 'vitest';
import { loadApiConfig } from './env';
import { ConfigError } from './errors';

const base = { UPSTASH_REDIS_REST_URL: 'https://example.upstash.io', UPSTASH_REDIS_REST_TOKEN: 't' };

describe('CORS_ORIGINS', () => {
  it('is empty by default: no CORS', () => {
    expect(loadApiConfig(base).CORS_ORIGINS).toEqual([]);
  });

  it('takes a comma-separated list of origins, or *', () => {
    expect(loadApiConfig({ ...base, CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(loadApiConfig({ ...base, CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
  });

  it.each(['https://a.example/', 'https://a.example/app', 'a.example', 'https://a.example,nope'])('refuses %s, naming the variable', (value) => {
    expect(() => loadApiConfig({ ...base, CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadApiConfig({ ...base, CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS\.\d+: not an origin/);
  });
});

describe('BENCH_ROUTES', () => {
  it('is off unless set to 1, and refuses anything else', () => {
    expect(loadApiConfig(base).BENCH_ROUTES).toBe(false);
    expect(loadApiConfig({ ...base, BENCH_ROUTES: '1' }).BENCH_ROUTES).toBe(true);
    expect(() => loadApiConfig({ ...base, BENCH_ROUTES: 'yes' })).toThrow(/BENCH_ROUTES/);
  });
});
