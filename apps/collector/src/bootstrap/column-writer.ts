import { Worker } from 'node:worker_threads';
import type { Checkpoint } from '../history/checkpoints';
import { fromColumns, transferables, type BarColumns } from '../history/bar-columns';
import type { LibsqlHistoryStore } from '../history/libsql-history-store';

/** Where a bootstrap writes each chunk: its bars and the checkpoint they complete, in one transaction, in call order. */
export interface ColumnWriter {
  write(cols: BarColumns, checkpoint?: Checkpoint): Promise<void>;
  close(): Promise<void>;
}

export interface WriteRequest {
  id: number;
  cols: BarColumns;
  checkpoint?: Checkpoint;
}

export interface WriteReply {
  id: number;
  error?: { message: string; code: string };
}

export class HistoryWriteError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'HistoryWriteError';
  }
}

/**
 * A local `file:` database is written from a thread of its own (write-thread.ts): SQLite's
 * inserts are the largest single cost of a bootstrap (measured in bench/bootstrap.bench.ts), and
 * on their own thread they run beside the next requests' HTTP, JSON and validation instead of
 * after them. Columns are transferred, not cloned.
 */
export function threadedColumnWriter(path: string, opts: { busyTimeoutMs: number }): ColumnWriter {
  const worker = new Worker(new URL('./write-thread.ts', import.meta.url), { workerData: { path, busyTimeoutMs: opts.busyTimeoutMs }, execArgv: ['--import', import.meta.resolve('tsx')] });
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let next = 0;
  let exited: Error | null = null;
  const failAll = (error: Error) => {
    exited ??= error;
    for (const w of waiting.values()) w.reject(exited);
    waiting.clear();
  };
  worker.on('message', (reply: WriteReply) => {
    const w = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.error) w?.reject(new HistoryWriteError(reply.error.message, reply.error.code));
    else w?.resolve();
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', () => failAll(new HistoryWriteError('the bootstrap writer thread has exited', 'writer_exited')));
  return {
    write: (cols, checkpoint) =>
      new Promise<void>((resolve, reject) => {
        if (exited) return reject(exited);
        const id = next++;
        waiting.set(id, { resolve, reject });
        const request: WriteRequest = { id, cols, ...(checkpoint ? { checkpoint } : {}) };
        worker.postMessage(request, transferables(cols));
      }),
    close: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      await gone;
    },
  };
}

/** A remote database (libsql://): through the store's client, as bars. */
export function storeColumnWriter(store: LibsqlHistoryStore): ColumnWriter {
  return {
    write: (cols, checkpoint) => store.write(fromColumns(cols), checkpoint),
    close: async () => undefined,
  };
}
