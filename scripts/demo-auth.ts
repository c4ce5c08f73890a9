/** How the demo's API Worker treats requests without a key (API_AUTH), and what the demo prints about it. */
export type DemoAuth = 'required' | 'optional';

export class DemoAuthError extends Error {
  readonly code = 'demo_api_auth_invalid';
  constructor(value: string) {
    super(`API_AUTH=${value} is not understood; use API_AUTH=required (every /v1 route but health needs the key) or optional (the default: anonymous requests allowed)`);
    this.name = 'DemoAuthError';
  }
}

/**
 * API_AUTH for the demo's Worker: `optional` unless asked, so the tour's curl lines work
 * without a key; `API_AUTH=required npm run demo` runs it as deployed.
 */
export function demoApiAuth(env: Record<string, string | undefined>): DemoAuth {
  const value = env.API_AUTH?.trim() ?? '';
  if (value === '') return 'optional';
  if (value === 'required' || value === 'optional') return value;
  throw new DemoAuthError(value);
}

/** The banner's lines about the API: the mode, and curl lines that work in it (with the key when it is required). */
export function apiBanner({ origin, auth, key, created }: { origin: string; auth: DemoAuth; key: string; created: boolean }): string[] {
  const bare = origin.replace(/^https?:\/\//, '');
  const withKey = `curl -H "Authorization: Bearer ${key}"`;
  const data = auth === 'required' ? withKey : 'curl';
  return [
    `API        ${origin}   (${auth === 'required' ? 'API_AUTH=required: every /v1 route but health needs the key' : 'anonymous requests allowed: API_AUTH=optional'})`,
    `  try      ${data} ${bare}/v1/bars/EURUSD?limit=5`,
    `           ${data} "${bare}/v1/signals?interval=5m"`,
    `           curl ${bare}/v1/health`,
    `API key    ${key}   (${created ? 'new' : 'the same as last time'}; in data/demo.key)`,
    auth === 'required' ? `  without  curl ${bare}/v1/symbols   → 401 problem+json` : `  try      ${withKey} ${bare}/v1/symbols`,
  ];
}
