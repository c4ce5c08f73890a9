import type { SymbolSpec } from '@marketpipe/core';
import type { BarSource, DeliverResult, SourceResult } from '../ports';
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

  fetchEach(items: readonly BatchItem[], deliver: DeliverResult): Promise<void> {
    const sent: Promise<void>[] = [];
    for (let i = 0; i < items.length; i += this.#maxSymbols) sent.push(this.#sendEach(items, i, Math.min(items.length, i + this.#maxSymbols), deliver));
    return Promise.all(sent).then(() => undefined);
  }

  async #sendEach(items: readonly BatchItem[], from: number, to: number, deliver: DeliverResult): Promise<void> {
    this.requests++;
    let answers: Map<string, BatchOutcome>;
    try {
      answers = await this.#fetcher.fetchBatch(items.slice(from, to));
    } catch (error) {
      for (let i = from; i < to; i++) deliver(i, null, error);
      return;
    }
    for (let i = from; i < to; i++) {
      const { symbol } = items[i]!.spec;
      const outcome = answers.get(symbol);
      if (outcome === undefined) deliver(i, null, new ProviderError('parse_error', this.#fetcher.name, `no answer for ${symbol}`));
      else if (outcome instanceof ProviderError) deliver(i, null, outcome);
      else deliver(i, { provider: this.#fetcher.name, bars: outcome.bars, rejects: outcome.rejects });
    }
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    for (let i = 0; i < queue.length; i += this.#maxSymbols) void this.#send(queue.slice(i, i + this.#maxSymbols));
  }

  #send(batch: Waiting[]): Promise<void> {
    return this.#sendEach(batch, 0, batch.length, (i, result, error) => (result ? batch[i]!.resolve(result) : batch[i]!.reject(error)));
  }

  close(): Promise<void> {
    return this.#fetcher.close();
  }
}
