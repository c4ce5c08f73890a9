import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError, ConfigSchema, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.PROVIDERS).toEqual(['yahoo', 'twelvedata', 'polygon', 'alphavantage']);
    expect(c.SYMBOLS).toEqual(['EURUSD', 'XAUUSD', 'NAS100']);
    expect(c.REDIS_PREFIX).toBe('md:v1:');
    expect(c.DATABASE_URL).toBe('file:./data/history.db');
    expect(c.SIM_SPEED).toBe(1);
    expect(c.HISTORY_FLUSH_MS).toBe(10_000);
  });

  it('names every bad variable', () => {
    try {
      loadConfig({ PROVIDERS: 'sim,bloomberg', SIM_SPEED: '-2', REDIS_URL: 'http://x' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as ConfigError).message;
      expect(msg).toContain('PROVIDERS');
      expect(msg).toContain('SIM_SPEED');
      expect(msg).toContain('REDIS_URL');
      expect((e as ConfigError).code).toBe('config_invalid');
    }
  });

  it('refuses the timeframe thread in lease mode, where each symbol’s write is fenced', () => {
    expect(loadConfig({}).TIMEFRAME_THREAD).toBe('auto');
    expect(() => loadConfig({ TIMEFRAME_THREAD: 'on', SHARD_MODE: 'lease' })).toThrow(/TIMEFRAME_THREAD/);
    expect(loadConfig({ TIMEFRAME_THREAD: 'auto', SHARD_MODE: 'lease' }).TIMEFRAME_THREAD).toBe('auto');
  });

  it('treats an empty key as no key', () => {
    expect(loadConfig({ POLYGON_API_KEY: '  ' }).POLYGON_API_KEY).toBeUndefined();
  });
});

describe('.env.example and the README', () => {
  const root = new URL('../../../', import.meta.url);
  it('document every variable the schema reads', () => {
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    for (const key of Object.keys(ConfigSchema.shape)) {
      expect(example, `.env.example lacks ${key}`).toMatch(new RegExp(`^#? ?${key}=`, 'm'));
      expect(readme, `README lacks ${key}`).toContain(`\`${key}\``);
    }
  });
});
