/**
 * What the bridge can answer instead of a result. Each maps to the HTTP status that the
 * Upstash REST protocol uses for it; `message` is the body's `error` text, verbatim.
 */
export class BridgeError extends Error {
  constructor(
    readonly code: 'unauthorized' | 'method_not_allowed' | 'bad_request' | 'not_found' | 'redis_unreachable',
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BridgeError';
  }
}

export const unauthorized = () => new BridgeError('unauthorized', 401, 'WRONGPASS invalid or missing auth token');
export const methodNotAllowed = () => new BridgeError('method_not_allowed', 405, 'ERR only POST is supported');
export const badRequest = (message: string) => new BridgeError('bad_request', 400, message);

/**
 * 500, as Upstash's own stand-in answers. The Redis REST docs define no status for a
 * server-side failure (only 200, 400, 401, 405); the docs send local and CI users to
 * serverless-redis-http (SRH), which answers 500 `{"error": "SRH: Unable to connect to the
 * Redis server…"}` when Redis is away. `@upstash/redis` treats every non-2xx alike (it throws
 * the `error` text and does not retry), so only the text has to name the cause. Not "ERR …":
 * this is the bridge speaking, not a Redis error reply.
 */
export const redisUnreachable = (reason: string, cause?: unknown) =>
  new BridgeError('redis_unreachable', 500, `redis unreachable: ${reason}`, { cause });
