import { Worker } from 'node:worker_threads';
import type { Bar, Reject } from '@marketpipe/core';
import type { BatchFetcher } from './batch-source';
import type { BatchItem, BatchOutcome, TwelveDataBatchOptions } from './twelvedata-batch';
import { ProviderError, type ProviderErrorCode } from './types';

export interface WorkerRequest {
  id: number;
  items: { symbol: string; providerSymbol: string; from: number; to: number }[];
}

type WireError = { code: ProviderErrorCode; message: string };
export type WorkerReply =
  | { id: number; answers: ({ symbol: string; bars: Bar[]; rejects: Reject[] } | { symbol: string; error: WireError })[] }
  | { id: number; error: WireError };

/** A ProviderError as it was in the worker (its message already names the provider). */
function revive(e: WireError): ProviderError {
  const error = new ProviderError(e.code, 'twelvedata', '');
  error.message = e.message;
  return error;
}

/**
 * The Twelve Data batch fetcher in a worker thread (./batch-worker.ts): at thousands of symbols a
 * second, reading the replies (JSON.parse of every body, the parse and validation of every bar)
 * is CPU the event loop need not spend. Counts requests, request time and rejects here, in the
 * collector's metrics, as the in-thread fetcher does.
 */
export class WorkerBatchFetcher implements BatchFetcher {
  readonly name = 'twelvedata' as const;
  readonly #worker: Worker;
  readonly #metrics: TwelveDataBatchOptions['metrics'];
  readonly #pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  #next = 0;
  /** why the worker is gone, once it is */
  #gone: string | null = null;

  constructor(opts: Omit<TwelveDataBatchOptions, 'now'>) {
    const { metrics, ...workerData } = opts;
    this.#metrics = metrics;
    this.#worker = new Worker(new URL('./batch-worker.ts', import.meta.url), { workerData, execArgv: ['--import', 'tsx'] });
    this.#worker.on('message', (reply: WorkerReply) => {
      this.#pending.get(reply.id)?.resolve(reply);
      this.#pending.delete(reply.id);
    });
    // A worker that died must not leave a cycle waiting on it: its requests fail like a provider's.
    const fail = (why: string) => {
      this.#gone = `fetch worker ${why}`;
      for (const p of this.#pending.values()) p.reject(new ProviderError('provider_error', 'twelvedata', this.#gone));
      this.#pending.clear();
    };
    this.#worker.on('error', (err) => fail(`failed: ${err.message}`));
    this.#worker.on('exit', (code) => fail(`exited (${code})`));
    this.#worker.unref();
  }

  async fetchBatch(items: readonly BatchItem[]): Promise<Map<string, BatchOutcome>> {
    if (this.#gone) throw new ProviderError('provider_error', 'twelvedata', this.#gone);
    const id = this.#next++;
    const request: WorkerRequest = {
      id,
      items: items.map(({ spec, range }) => ({ symbol: spec.symbol, providerSymbol: spec.providers.twelvedata ?? '', from: range.from, to: range.to })),
    };
    const m = this.#metrics;
    const endRequest = m?.providerSeconds.startTimer({ provider: 'twelvedata' });
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(request);
    }).finally(() => endRequest?.());
    if ('error' in reply) {
      m?.fetches.inc({ provider: 'twelvedata', outcome: reply.error.code });
      throw revive(reply.error);
    }
    m?.fetches.inc({ provider: 'twelvedata', outcome: 'ok' });
    const out = new Map<string, BatchOutcome>();
    for (const a of reply.answers) {
      if ('error' in a) {
        m?.rejects.inc({ reason: a.error.code, provider: 'twelvedata' });
        out.set(a.symbol, revive(a.error));
      } else {
        for (const r of a.rejects) m?.rejects.inc({ reason: r.reason, provider: 'twelvedata' });
        out.set(a.symbol, { bars: a.bars, rejects: a.rejects });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#gone) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage('close');
    await exited;
  }
}
