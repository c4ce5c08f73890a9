import type { Bar, Interval, SessionSpec, Signal } from '@marketpipe/core';

const KEY_STORAGE = 'marketpipe.apiKey';

/** Raised on a 401: the page asks for a key (once; it is kept in localStorage). */
export class NeedsApiKeyError extends Error {
  readonly code = 'needs_api_key';
  constructor(detail: string) {
    super(detail);
    this.name = 'NeedsApiKeyError';
  }
}

export class ApiRequestError extends Error {
  readonly code = 'api_request_failed';
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
    this.name = 'ApiRequestError';
  }
}

export const apiKey = {
  get: (): string | null => localStorage.getItem(KEY_STORAGE),
  set: (key: string) => localStorage.setItem(KEY_STORAGE, key.trim()),
  clear: () => localStorage.removeItem(KEY_STORAGE),
};

export interface SymbolInfo {
  symbol: string;
  /** decimals the symbol is quoted in */
  precision: number;
  session: SessionSpec;
  marketOpen: boolean;
}

export interface BarsBody {
  bars: Bar[];
  ageMs: number | null;
}

/** GET from this Worker's API, with the stored key when there is one; problems become typed errors. */
async function get<T>(path: string): Promise<T> {
  const key = apiKey.get();
  const res = await fetch(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (res.ok) return (await res.json()) as T;
  const problem = (await res.json().catch(() => ({}))) as { detail?: string };
  if (res.status === 401) throw new NeedsApiKeyError(problem.detail ?? 'an API key is needed');
  throw new ApiRequestError(res.status, problem.detail ?? `HTTP ${res.status}`);
}

export const api = {
  symbols: () => get<{ symbols: SymbolInfo[] }>('/v1/symbols').then((b) => b.symbols),
  bars: (symbol: string, interval: Interval, limit: number) => get<BarsBody>(`/v1/bars/${encodeURIComponent(symbol)}?interval=${interval}&limit=${limit}`),
  /** every symbol's signal of `interval`, stale ones included (the picker shows their age) */
  signals: (interval: Interval) =>
    get<{ items: (Signal & { ageMs: number | null })[] }>(`/v1/signals?interval=${interval}&allowStale=true`)
      .then((b) => b.items)
      .catch((error: unknown) => {
        // Signals are computed for the collector's FEATURE_INTERVALS only: others have none.
        if (error instanceof ApiRequestError && error.status === 404) return [];
        throw error;
      }),
};
