/**
 * The background bootstrap of `marketpipe run`, in a worker thread: its parsing, validation and
 * large writes would otherwise hold the 1-second cycle's event loop. Reads its own config from
 * the environment handed over, logs through its own pino (the same stdout), and stops after the
 * request in flight when told to (the next start resumes from the checkpoints).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { runBootstrap } from './bootstrap';

export interface BootstrapWorkerData {
  env: Record<string, string | undefined>;
  until: number;
  maxRowsPerTransaction: number;
  concurrency: number;
}

export interface BootstrapWorkerResult {
  bars: number;
  seconds: number;
  failed: string[];
}

const data = workerData as BootstrapWorkerData;
const config = loadConfig(data.env);
const logger = createLogger(config.LOG_LEVEL).child({ task: 'bootstrap' });
const abort = new AbortController();
parentPort?.on('message', (message) => {
  if (message === 'stop') abort.abort();
});
const report = await runBootstrap(config, {
  logger,
  out: { write: (text: string) => logger.info(text.trimEnd()) },
  tty: false,
  from: Date.now() - config.RETENTION_DAYS * 86_400_000,
  until: data.until,
  signal: abort.signal,
  concurrency: data.concurrency,
  maxRowsPerTransaction: data.maxRowsPerTransaction,
});
const result: BootstrapWorkerResult = { bars: report.bars, seconds: report.seconds, failed: report.outcomes.filter((o) => o.failed).map((o) => o.symbol) };
parentPort?.postMessage(result);
parentPort?.close();
