import type { SymbolSpec } from '@marketpipe/core';
import type { BarSource, SourceResult } from '../ports';
import type { BatchItem, BatchOutcome } from './twelvedata-batch';
import { ProviderError, type FetchRange } from './types';

/** A provider that answers many symbols in one request. */
export interface BatchFetcher {
  readonly name: 'twelvedata';
  fetchBatch(items: readonly BatchItem[], signal?: AbortSignal): Promise<Map<string, BatchOutcome>>;
  close(): Promise<void>;
}

interface Waiting extends BatchItem {
  resolve(result: SourceResult): void;
  reject(error: unknown): void;
}

/**
 * A BarSource over a batch provider. The orchestrator asks for every symbol of a cycle at once
 * (one `fetch` per symbol, all started in the same turn of the event loop when its concurrency
 * is at least the symbol count); the calls made before the loop turns are sent as requests of
 * up to `maxSymbols` symbols each, all in flight together. Each caller gets its own symbol's
 * answer, so the ingest path is the same as with one request per symbol.
 */
export class BatchBarSource implements BarSource {
  readonly #fetcher: BatchFetcher;
  readonly #maxSymbols: number;
  #queue: Waiting[] = [];
  #scheduled = false;
  /** requests sent, for the benchmark's report */
  requests = 0;

  constructor(fetcher: BatchFetcher, opts: { maxSymbols: number }) {
    this.#fetcher = fetcher;
    this.#maxSymbols = opts.maxSymbols;
  }

  fetch(spec: SymbolSpec, range: FetchRange): Promise<SourceResult> {
    return new Promise<SourceResult>((resolve, reject) => {
      this.#queue.push({ spec, range, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    for (let i = 0; i < queue.length; i += this.#maxSymbols) void this.#send(queue.slice(i, i + this.#maxSymbols));
  }

  async #send(batch: Waiting[]): Promise<void> {
    this.requests++;
    let answers: Map<string, BatchOutcome>;
    try {
      answers = await this.#fetcher.fetchBatch(batch);
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    for (const w of batch) {
      const outcome = answers.get(w.spec.symbol);
      if (outcome === undefined) w.reject(new ProviderError('parse_error', this.#fetcher.name, `no answer for ${w.spec.symbol}`));
      else if (outcome instanceof ProviderError) w.reject(outcome);
      else w.resolve({ provider: this.#fetcher.name, bars: outcome.bars, rejects: outcome.rejects });
    }
  }

  close(): Promise<void> {
    return this.#fetcher.close();
  }
}
