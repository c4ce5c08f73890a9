import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

const errorOf = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('the configuration was accepted');
};

describe('BAR_INTERVALS and FEATURE_INTERVALS', () => {
  it('default to every higher timeframe’s bars and 1m, 5m, 1h features', () => {
    const c = loadConfig({});
    expect(c.BAR_INTERVALS).toEqual(['5m', '15m', '30m', '1h', '4h', '1d']);
    expect(c.FEATURE_INTERVALS).toEqual(['1m', '5m', '1h']);
  });

  it('empty BAR_INTERVALS with 1m features is the 1m-only collector', () => {
    expect(loadConfig({ BAR_INTERVALS: '', FEATURE_INTERVALS: '1m' })).toMatchObject({ BAR_INTERVALS: [], FEATURE_INTERVALS: ['1m'] });
  });

  it.each([
    [{ BAR_INTERVALS: '5m,2m' }, 'BAR_INTERVALS'],
    [{ BAR_INTERVALS: '1m,5m' }, 'BAR_INTERVALS'],
    [{ FEATURE_INTERVALS: '5m,1h' }, '1m features are always computed'],
    [{ BAR_INTERVALS: '5m', FEATURE_INTERVALS: '1m,15m' }, 'add 15m to BAR_INTERVALS'],
  ])('refuses %j with a clear error', (env, message) => {
    const e = errorOf(env);
    expect(e.code).toBe('config_invalid');
    expect(e.message).toContain(message);
  });
});
