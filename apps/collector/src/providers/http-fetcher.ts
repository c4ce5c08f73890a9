import type { ProviderName, SymbolSpec } from '@marketpipe/core';

/** the providers reached over HTTP (sim is generated in process) */
export type HttpProviderName = Exclude<ProviderName, 'sim'>;
import { ProviderHttp, redactUrl, statusError } from './http';
import { HISTORY_LIMITS } from './history-limits';
import { ProviderError, type BarFetcher, type FetchRange, type FetchResult } from './types';

export interface HttpFetcherOptions {
  baseUrl: string;
  timeoutMs: number;
  keepAlive?: boolean;
  /** the collector's clock (sim time in tests) decides which bars are final */
  now?: () => number;
}

/**
 * What the four HTTP fetchers share: the connection pool, the base URL, the clock, the symbol
 * mapping check, and the one way an answer is judged: a 429 or a body that is not JSON is an
 * HTTP failure; a JSON body is parsed first (so a provider's own error text and code win),
 * and only then is a status other than 200 a failure.
 */
export abstract class HttpFetcher implements BarFetcher {
  abstract readonly name: HttpProviderName;
  protected readonly http: ProviderHttp;
  protected readonly baseUrl: string;
  protected readonly now: () => number;
  readonly #provider: HttpProviderName;

  constructor(provider: HttpProviderName, opts: HttpFetcherOptions) {
    this.#provider = provider;
    this.http = new ProviderHttp(provider, { timeoutMs: opts.timeoutMs, ...(opts.keepAlive !== undefined ? { keepAlive: opts.keepAlive } : {}) });
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.now = opts.now ?? Date.now;
  }

  /** how far back the finest resolution reaches (README "Providers' history limits") */
  get historyLimitMs(): number {
    return HISTORY_LIMITS[this.#provider][0]?.maxAgeMs ?? 0;
  }

  supports(spec: SymbolSpec): boolean {
    return spec.providers[this.#provider] !== undefined;
  }

  abstract fetchBars(spec: SymbolSpec, range: FetchRange, signal?: AbortSignal): Promise<FetchResult>;

  /** GETs `url` and parses its JSON body with `parse`; throws ProviderError as the class comment says. */
  protected async getJson<T>(url: string, signal: AbortSignal | undefined, parse: (json: unknown) => T): Promise<T> {
    const res = await this.http.get(url, signal);
    if (res.status === 429) throw statusError(this.#provider, res.status, url, res.text);
    if (res.json === undefined) {
      if (res.status !== 200) throw statusError(this.#provider, res.status, url, res.text);
      throw new ProviderError('parse_error', this.#provider, `body of ${redactUrl(url)} is not JSON`);
    }
    const parsed = parse(res.json);
    if (res.status !== 200) throw statusError(this.#provider, res.status, url, 'error status with a parsable body');
    return parsed;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
