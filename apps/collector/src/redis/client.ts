import { createClient, RESP_TYPES } from 'redis';

export interface RedisClientOptions {
  /** a command not answered within this fails (ms) */
  commandTimeoutMs?: number;
}

/**
 * A node-redis client whose bulk-string replies are Buffers (values are raw msgpack bytes),
 * built to fail fast: no offline queue (a command while disconnected rejects at once instead
 * of piling up), a bounded command and connect timeout, and reconnection in the background.
 * Redis is a cache the collector can rebuild, so waiting on it must never stall the loop.
 */
export function createRedisClient(url: string, opts: RedisClientOptions = {}) {
  return createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: opts.commandTimeoutMs ?? 2_000 },
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
  });
}

export function createBinaryRedisClient(url: string, opts: RedisClientOptions = {}) {
  return createRedisClient(url, opts).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/**
 * Connects, but gives up waiting at the first connection error or after `timeoutMs`: a Redis
 * that is down at start must not stop the collector, nor hang a CLI command. Resolves null
 * when connected, else the error. The client keeps reconnecting in the background.
 */
export async function connectWithin(
  client: { connect(): Promise<unknown>; once(event: 'error', listener: (err: unknown) => void): unknown },
  timeoutMs: number,
): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    client.connect().then(
      () => null,
      (error: unknown) => error ?? new Error('connection failed'),
    ),
    new Promise<unknown>((resolve) => client.once('error', (err) => resolve(err ?? new Error('connection failed')))),
    new Promise<Error>((resolve) => {
      timer = setTimeout(() => resolve(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return outcome;
}

export type BinaryRedisClient = ReturnType<typeof createBinaryRedisClient>;
