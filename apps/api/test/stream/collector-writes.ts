import { createClient } from 'redis';
import { decodeSeen, redisKeys } from '@marketpipe/core';

/** One collector write of a symbol: its poll time (the stream's `ts`) and when Redis got it. */
export interface CollectorWrite {
  symbol: string;
  ts: number;
  writtenAt: number;
}

/**
 * Watches the collector's writes as Redis sees them: a keyspace notification for each write of
 * the last-seen hash (the same pipeline as the bars, features and signals), stamped on arrival.
 * Reads over its own TCP connection, never through the Worker's REST hop the tests count.
 */
export async function watchCollectorWrites(redisUrl: string, prefix: string): Promise<{ writes: CollectorWrite[]; stop(): Promise<void> }> {
  const reader = createClient({ url: redisUrl });
  await reader.connect();
  await reader.configSet('notify-keyspace-events', 'Kh');
  const subscriber = reader.duplicate();
  await subscriber.connect();
  const seenKey = redisKeys(prefix).seen;
  const writes: CollectorWrite[] = [];
  // What is already there was written before the watch began: not a write to time.
  const known = new Set(Object.entries(await reader.hGetAll(seenKey)).map(([symbol, value]) => `${symbol}@${decodeSeen(value)}`));
  await subscriber.subscribe(`__keyspace@0__:${seenKey}`, () => {
    const writtenAt = Date.now();
    void reader.hGetAll(seenKey).then((all) => {
      for (const [symbol, value] of Object.entries(all)) {
        const ts = decodeSeen(value);
        if (ts === null || known.has(`${symbol}@${ts}`)) continue;
        known.add(`${symbol}@${ts}`);
        writes.push({ symbol, ts, writtenAt });
      }
    });
  });
  return {
    writes,
    async stop() {
      await subscriber.close();
      await reader.close();
    },
  };
}
