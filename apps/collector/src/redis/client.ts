import { createClient, RESP_TYPES } from 'redis';

/** A node-redis client whose bulk-string replies are Buffers: values are raw msgpack bytes. */
export function createBinaryRedisClient(url: string) {
  return createClient({
    url,
    socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

export type BinaryRedisClient = ReturnType<typeof createBinaryRedisClient>;
