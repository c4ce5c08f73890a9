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
 * Connects, but gives up waiting after `timeoutMs`: a Redis that is down at start must not stop
 * the collector. The client keeps reconnecting in the background either way.
 */
export async function connectWithin(client: { connect(): Promise<unknown> }, timeoutMs: number): Promise<unknown> {
  const connecting = client.connect().then(
    () => null,
    (error: unknown) => error,
  );
  const timeout = new Promise<Error>((resolve) => setTimeout(() => resolve(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref());
  return Promise.race([connecting, timeout]);
}

export type BinaryRedisClient = ReturnType<typeof createBinaryRedisClient>;
