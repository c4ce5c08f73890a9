import { alphaVantageHandler } from './alphavantage';
import type { Fault } from './faults';
import { polygonHandler } from './polygon';
import { FakeServer } from './server';
import { twelveDataHandler } from './twelvedata';
import { yahooHandler } from './yahoo';

export { FAULTS, type Fault } from './faults';
export { FakeServer } from './server';

export type FakeProviderName = 'yahoo' | 'alphavantage' | 'twelvedata' | 'polygon';
export const FAKE_PROVIDERS: readonly FakeProviderName[] = ['yahoo', 'alphavantage', 'twelvedata', 'polygon'];

export interface FakeProvidersOptions {
  /** the clock the recorded bars are re-timed against (the collector's clock in e2e tests) */
  now?: () => number;
  /** keys the fakes accept; a request with another key gets the provider's auth error */
  keys?: Partial<Record<'alphavantage' | 'twelvedata' | 'polygon', string>>;
  /** faults active from the start */
  faults?: Partial<Record<FakeProviderName, Fault>>;
}

export interface FakeProviders {
  servers: Record<FakeProviderName, FakeServer>;
  /** BASE_URL and API_KEY variables pointing the collector's config at the fakes */
  env: Record<string, string>;
  keys: Record<'alphavantage' | 'twelvedata' | 'polygon', string>;
  setFault(provider: FakeProviderName, fault: Fault, times?: number): void;
  kill(provider: FakeProviderName): Promise<void>;
  restore(provider: FakeProviderName): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the four fake providers on loopback ports, serving the recorded payloads. */
export async function startFakeProviders(options: FakeProvidersOptions = {}): Promise<FakeProviders> {
  const now = options.now ?? Date.now;
  const keys = {
    alphavantage: options.keys?.alphavantage ?? 'av-test-key-0001',
    twelvedata: options.keys?.twelvedata ?? 'td-test-key-0002',
    polygon: options.keys?.polygon ?? 'pg-test-key-0003',
  };
  const servers: Record<FakeProviderName, FakeServer> = {
    yahoo: new FakeServer(yahooHandler(now)),
    alphavantage: new FakeServer(alphaVantageHandler(now, keys.alphavantage)),
    twelvedata: new FakeServer(twelveDataHandler(now, keys.twelvedata)),
    polygon: new FakeServer(polygonHandler(now, keys.polygon)),
  };
  await Promise.all(Object.values(servers).map((s) => s.start()));
  for (const [name, fault] of Object.entries(options.faults ?? {})) servers[name as FakeProviderName].setFault(fault);
  return {
    servers,
    keys,
    env: {
      YAHOO_BASE_URL: servers.yahoo.url,
      ALPHAVANTAGE_BASE_URL: servers.alphavantage.url,
      ALPHAVANTAGE_API_KEY: keys.alphavantage,
      TWELVEDATA_BASE_URL: servers.twelvedata.url,
      TWELVEDATA_API_KEY: keys.twelvedata,
      POLYGON_BASE_URL: servers.polygon.url,
      POLYGON_API_KEY: keys.polygon,
    },
    setFault: (provider, fault, times) => servers[provider].setFault(fault, times),
    kill: (provider) => servers[provider].kill(),
    restore: (provider) => servers[provider].restore(),
    stop: async () => {
      await Promise.all(Object.values(servers).map((s) => s.stop()));
    },
  };
}
