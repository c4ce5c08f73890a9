import { describe, expect, it } from 'vitest';
import { apiBanner, DemoAuthError, demoApiAuth } from './demo-auth';

describe('API_AUTH for the demo', () => {
  it('is optional by default and required when asked', () => {
    expect(demoApiAuth({})).toBe('optional');
    expect(demoApiAuth({ API_AUTH: '' })).toBe('optional');
    expect(demoApiAuth({ API_AUTH: 'required' })).toBe('required');
    expect(demoApiAuth({ API_AUTH: 'optional' })).toBe('optional');
  });

  it.each(['yes', 'Required', 'true'])('refuses API_AUTH=%s with an error naming the choices', (value) => {
    expect(() => demoApiAuth({ API_AUTH: value })).toThrow(DemoAuthError);
    expect(() => demoApiAuth({ API_AUTH: value })).toThrow(`API_AUTH=${value} is not understood; use API_AUTH=required`);
  });
});

describe('the banner', () => {
  const key = 'mp_0123456789abcdef';
  const origin = 'http://127.0.0.1:8787';

  it('gives curl lines with the key when the key is required', () => {
    const lines = apiBanner({ origin, auth: 'required', key, created: true });
    expect(lines[0]).toContain('API_AUTH=required');
    expect(lines[1]).toBe(`  try      curl -H "Authorization: Bearer ${key}" 127.0.0.1:8787/v1/bars/EURUSD?limit=5`);
    expect(lines[2]).toBe(`           curl -H "Authorization: Bearer ${key}" "127.0.0.1:8787/v1/signals?interval=5m"`);
    expect(lines).toContain('  without  curl 127.0.0.1:8787/v1/symbols   → 401 problem+json');
    expect(lines).toContain(`API key    ${key}   (new; in data/demo.key)`);
  });

  it('gives anonymous curl lines when the key is optional, and still the key', () => {
    const lines = apiBanner({ origin, auth: 'optional', key, created: false });
    expect(lines[0]).toContain('anonymous requests allowed');
    expect(lines[1]).toBe('  try      curl 127.0.0.1:8787/v1/bars/EURUSD?limit=5');
    expect(lines.join('\n')).toContain(`Bearer ${key}`);
    expect(lines).toContain(`API key    ${key}   (the same as last time; in data/demo.key)`);
  });
});
