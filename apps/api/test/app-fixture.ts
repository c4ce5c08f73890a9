import { createApp, type AppOptions } from '../src/app';
import { hashApiKey } from '../src/middleware/auth';
import { bar, CountingLimiter, features, MemoryKeys, MemoryMarket, signal } from './fakes';

/** A Wednesday at 12:00 UTC: every default symbol's market is open. */
export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
export const KEY = 'fixture-key';
export const authed = { authorization: `Bearer ${KEY}` };

/**
 * The app over in-memory ports holding EURUSD bars, features and a signal, all polled 400 ms
 * ago, and one API key. Tests change `market` to move the data on, `clock` to let time pass.
 */
export async function fixture(options: Partial<AppOptions> = {}) {
  const market = new MemoryMarket();
  const keys = new MemoryKeys();
  keys.records.set(await hashApiKey(KEY), { name: 'fixture', createdAt: NOW, revoked: false });
  market.finals.set('EURUSD', [bar('EURUSD', NOW - 120_000, 1.0801), bar('EURUSD', NOW - 60_000, 1.0802)]);
  market.forming.set('EURUSD', bar('EURUSD', NOW, 1.0803, false));
  market.feats.set('EURUSD', features('EURUSD', NOW));
  market.sigs.set('EURUSD', signal('EURUSD', 0.8, NOW));
  market.seen.set('EURUSD', NOW - 400);
  const clock = { now: NOW };
  const app = createApp({ market, apiKeys: keys, rateLimiter: new CountingLimiter() }, { auth: 'required', staleAfterMs: 5_000, now: () => clock.now, ...options });
  const request = (path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { ...authed, ...init.headers } });
  return { app, market, clock, request };
}
