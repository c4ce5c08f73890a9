import { parentPort, workerData } from 'node:worker_threads';
import type { SymbolSpec } from '@marketpipe/core';
import { TwelveDataBatchFetcher, type TwelveDataBatchOptions } from './twelvedata-batch';
import { ProviderError } from './types';
import type { WorkerReply, WorkerRequest } from './worker-batch-fetcher';

/**
 * The batch fetcher's thread: HTTP, JSON.parse, the per-symbol parse and validation of every
 * batch run here, off the collector's event loop, which receives each symbol's validated bars.
 */
const fetcher = new TwelveDataBatchFetcher(workerData as Omit<TwelveDataBatchOptions, 'metrics' | 'now'>);
const port = parentPort!;

port.on('message', (req: WorkerRequest | 'close') => {
  if (req === 'close') {
    void fetcher.close().then(() => port.close());
    return;
  }
  const items = req.items.map(({ symbol, providerSymbol, from, to }) => ({
    spec: { symbol, providers: { twelvedata: providerSymbol } } as SymbolSpec,
    range: { from, to },
  }));
  fetcher.fetchBatch(items).then(
    (answers) => {
      const reply: WorkerReply = { id: req.id, answers: [] };
      for (const [symbol, outcome] of answers) {
        reply.answers.push(outcome instanceof ProviderError ? { symbol, error: { code: outcome.code, message: outcome.message } } : { symbol, bars: outcome.bars, rejects: outcome.rejects });
      }
      port.postMessage(reply);
    },
    (error: unknown) => {
      const code = error instanceof ProviderError ? error.code : 'provider_error';
      port.postMessage({ id: req.id, error: { code, message: error instanceof Error ? error.message : String(error) } } satisfies WorkerReply);
    },
  );
});
