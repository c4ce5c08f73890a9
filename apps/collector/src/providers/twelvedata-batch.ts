import { validateBars, type Reject, type SymbolSpec } from '@marketpipe/core';
import type { CollectorMetrics } from '../metrics';
import { inRange } from './bars';
import { ProviderHttp, redactUrl, statusError } from './http';
import type { BatchItem, BatchOutcome } from './twelvedata-batch-parse';
import { readTwelveDataBatch } from './twelvedata-batch-reader';
import { ProviderError } from './types';

const MINUTE = 60_000;
const MAX_OUTPUT = 5_000;

export interface TwelveDataBatchOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** pooled connections: several batches of one cycle go out at once */
  connections?: number;
  now?: () => number;
  metrics?: Pick<CollectorMetrics, 'rejects' | 'fetches' | 'providerSeconds'>;
}

/**
 * Twelve Data's batch form of /time_series: many symbols, comma-separated, in one request
 * (one credit per symbol, as documented at support.twelvedata.com/en/articles/5203360). All
 * symbols of one request share its parameters, so `outputsize` covers the widest range asked;
 * each symbol's bars are cut back to its own range, validated, and its rejects counted.
 */
export class TwelveDataBatchFetcher {
  readonly name = 'twelvedata' as const;
  readonly #http: ProviderHttp;
  readonly #opts: TwelveDataBatchOptions;
  readonly #now: () => number;

  constructor(opts: TwelveDataBatchOptions) {
    this.#http = new ProviderHttp('twelvedata', { timeoutMs: opts.timeoutMs, ...(opts.connections ? { connections: opts.connections } : {}) });
    this.#opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
    this.#now = opts.now ?? Date.now;
  }

  supports(spec: SymbolSpec): boolean {
    return spec.providers.twelvedata !== undefined;
  }

  /** One request for all `items`; rejects (whole batch) on transport, HTTP or top-level errors. */
  async fetchBatch(items: readonly BatchItem[], signal?: AbortSignal): Promise<Map<string, BatchOutcome>> {
    const asked = new Map<string, string>();
    let minutes = 1;
    for (const { spec, range } of items) {
      const providerSymbol = spec.providers.twelvedata;
      if (!providerSymbol) throw new ProviderError('provider_error', 'twelvedata', `no Twelve Data symbol for ${spec.symbol}`);
      asked.set(providerSymbol, spec.symbol);
      minutes = Math.max(minutes, Math.floor(range.to / MINUTE) - Math.floor(range.from / MINUTE) + 1);
    }
    const params = new URLSearchParams({
      symbol: [...asked.keys()].join(','),
      interval: '1min',
      outputsize: String(Math.min(MAX_OUTPUT, minutes)),
      timezone: 'UTC',
      apikey: this.#opts.apiKey,
    });
    const url = `${this.#opts.baseUrl}/time_series?${params}`;
    const m = this.#opts.metrics;
    const endRequest = m?.providerSeconds.startTimer({ provider: 'twelvedata' });
    try {
      const res = await this.#http.getBytes(url, signal).finally(() => endRequest?.());
      if (res.status !== 200) throw statusError('twelvedata', res.status, url, new TextDecoder().decode(res.body));
      const parsed = readTwelveDataBatch(res.body, asked, this.#now());
      if (parsed === undefined) throw new ProviderError('parse_error', 'twelvedata', `body of ${redactUrl(url)} is not JSON`);
      m?.fetches.inc({ provider: 'twelvedata', outcome: 'ok' });
      return this.#validate(parsed, items);
    } catch (error) {
      m?.fetches.inc({ provider: 'twelvedata', outcome: error instanceof ProviderError ? error.code : 'provider_error' });
      throw error;
    }
  }

  #validate(parsed: Map<string, BatchOutcome>, items: readonly BatchItem[]): Map<string, BatchOutcome> {
    const now = this.#now();
    for (const { spec, range } of items) {
      const outcome = parsed.get(spec.symbol);
      if (!outcome) continue;
      if (outcome instanceof ProviderError) {
        this.#count([{ reason: outcome.code, symbol: spec.symbol, detail: outcome.message }]);
        continue;
      }
      const checked = validateBars(inRange(outcome.bars, range), { now });
      const rejects = outcome.rejects.length === 0 ? checked.rejects : [...outcome.rejects, ...checked.rejects];
      this.#count(rejects);
      parsed.set(spec.symbol, { bars: checked.accepted, rejects });
    }
    return parsed;
  }

  #count(rejects: readonly Reject[]): void {
    for (const r of rejects) this.#opts.metrics?.rejects.inc({ reason: r.reason, provider: 'twelvedata' });
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
