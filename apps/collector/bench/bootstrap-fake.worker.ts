/** The benchmark's fake history provider in its own thread, so serving JSON never shares the collector's event loop. */
import { parentPort } from 'node:worker_threads';
import { startHistoryFake } from '../test/bootstrap/history-fake';

const fake = await startHistoryFake();
parentPort?.postMessage(fake.url);
parentPort?.on('message', (message) => {
  if (message === 'stop') void fake.stop().then(() => parentPort?.close());
});
