/**
 * What the bridge can answer instead of a result. Each maps to the HTTP status that the
 * Upstash REST protocol uses for it; `message` is the body's `error` text, verbatim.
 */
export class BridgeError extends Error {
  constructor(
    readonly code: 'unauthorized' | 'method_not_allowed' | 'bad_request' | 'not_found' | 'redis_unavailable',
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
export const redisUnavailable = (cause: unknown) =>
  new BridgeError('redis_unavailable', 503, `ERR redis unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, {
    cause,
  });
