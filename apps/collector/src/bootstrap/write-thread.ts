/**
 * The bootstrap's writer thread: takes one symbol's columns (and the checkpoint they complete)
 * at a time, in arrival order, and writes each in one transaction through the native driver;
 * answers each message with its id, and the error when the write failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { NativeBarWriter } from '../history/native-bar-writer';
import type { WriteRequest, WriteReply } from './column-writer';

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const writer = new NativeBarWriter(path, { busyTimeoutMs, synchronous: 'NORMAL' });
parentPort!.on('message', (message: WriteRequest | 'close') => {
  if (message === 'close') {
    writer.close();
    parentPort!.close();
    return;
  }
  let reply: WriteReply;
  try {
    writer.writeColumns(message.cols, message.checkpoint);
    reply = { id: message.id };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    reply = { id: message.id, error: { message: err.message, code: (err as { code?: string }).code ?? 'write_failed' } };
  }
  parentPort!.postMessage(reply);
});
