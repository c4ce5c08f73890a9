import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import type { BootstrapWorkerData, BootstrapWorkerResult } from './worker';

export interface BackgroundBootstrap {
  /** settles when the bootstrap ends (done, stopped or failed) */
  readonly done: Promise<BootstrapWorkerResult | null>;
  /** asks it to stop after the request in flight; terminates it after `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Fills the rest of the retention window behind a running collector, in a worker thread (see
 * worker.ts), so the live cycle's event loop never runs a bootstrap's parsing or writes. Its
 * write transactions are kept short (`maxRowsPerTransaction`): the collector's own history
 * flush waits on the database's single write lock for at most one of them.
 */
export function startBackgroundBootstrap(env: Record<string, string | undefined>, logger: Logger, opts: { until: number; concurrency?: number; maxRowsPerTransaction?: number }): BackgroundBootstrap {
  const workerData: BootstrapWorkerData = { env, until: opts.until, concurrency: opts.concurrency ?? 2, maxRowsPerTransaction: opts.maxRowsPerTransaction ?? 10_000 };
  // The worker runs the TypeScript sources as they are, like the bin: tsx in the worker too
  // (resolved from here: the working directory may be anywhere).
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData, execArgv: ['--import', import.meta.resolve('tsx')] });
  let result: BootstrapWorkerResult | null = null;
  worker.on('message', (message: BootstrapWorkerResult) => (result = message));
  const done = new Promise<BootstrapWorkerResult | null>((resolve) => {
    worker.once('error', (err) => {
      logger.error({ err }, 'background bootstrap failed: the next start resumes it');
      resolve(null);
    });
    worker.once('exit', () => {
      if (result) logger.info(result, 'background bootstrap finished');
      resolve(result);
    });
  });
  return {
    done,
    stop: async (graceMs = 2_000) => {
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), graceMs);
      await done;
      clearTimeout(timer);
    },
  };
}
